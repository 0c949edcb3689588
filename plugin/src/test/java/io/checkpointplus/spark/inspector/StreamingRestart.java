package io.checkpointplus.spark.inspector;

import io.checkpointplus.spark.LocalSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.apache.spark.streaming.scheduler.StreamingListenerOutputOperationCompleted;

/**
 * A real restart of a Spark Streaming application from its checkpoint root with a new build's
 * classes, as {@code StreamingContext.getOrCreate} does: the metadata checkpoint is read with
 * the build's class loader as context loader, the graph restored (its DStreams' {@code rdd-N}
 * checkpoints among it), and batches run until {@code batches} completed. A batch whose output
 * operation failed (a state RDD's checkpoint that does not deserialize) counts as a failed
 * restart, as the application would then stop on its error.
 */
final class StreamingRestart {
  private StreamingRestart() {
  }

  /**
   * Restarts from {@code checkpoint} with {@code loader} as context class loader.
   *
   * @return null when the restart and its batches succeeded, else what failed: the exception
   *     of the restart, or the failure reasons of the output operations
   */
  static Throwable failure(Path checkpoint, ClassLoader loader, int batches)
      throws InterruptedException {
    Thread t = Thread.currentThread();
    ClassLoader previous = t.getContextClassLoader();
    t.setContextClassLoader(loader);
    JavaStreamingContext ssc = null;
    try {
      ssc = new JavaStreamingContext(checkpoint.toString());
      CountDownLatch done = new CountDownLatch(batches);
      List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      ssc.addStreamingListener(new StreamingListener() {
        @Override
        public void onOutputOperationCompleted(StreamingListenerOutputOperationCompleted op) {
          if (op.outputOperationInfo().failureReason().isDefined()) {
            failures.add(op.outputOperationInfo().failureReason().get());
          }
        }

        @Override
        public void onBatchCompleted(StreamingListenerBatchCompleted completed) {
          done.countDown();
        }
      });
      ssc.start();
      if (!done.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException(batches + " batches did not complete within 120 s");
      }
      return failures.isEmpty() ? null : new RuntimeException(String.join("\n", failures));
    } catch (Exception e) { // SparkException is checked; Scala throws it undeclared
      return e;
    } finally {
      if (ssc != null) {
        ssc.stop(true, false);
        LocalSpark.stop(ssc.sparkContext().sc());
      }
      t.setContextClassLoader(previous);
    }
  }

  /** Whether {@code failure} or a cause, or its text, names {@code needle}. */
  static boolean mentions(Throwable failure, String needle) {
    for (Throwable c = failure; c != null; c = c.getCause()) {
      if (String.valueOf(c.getMessage()).contains(needle) || c.toString().contains(needle)) {
        return true;
      }
    }
    return false;
  }
}
