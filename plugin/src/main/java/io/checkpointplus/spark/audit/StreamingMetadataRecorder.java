package io.checkpointplus.spark.audit;

import java.io.FileNotFoundException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.streaming.StreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Records Spark Streaming's metadata checkpoints ({@code checkpoint-<time>} files, written by
 * Spark's own checkpoint writer thread) as {@code checkpoint.metadata} events: one per completed
 * batch, for the file of that batch's time.
 *
 * <p>Spark Streaming reports batches on the SparkContext's listener bus. Nothing is done on the
 * bus's thread but handing the batch time over: a thread of this recorder, idle between
 * batches, looks up that one file (a single {@code getFileStatus}, never a listing of the
 * directory, whose size grows with retained files on slow stores). Spark writes a batch's
 * metadata twice, when the batch is generated and again when it completes (the first copy
 * becomes {@code .bk}); the event describes the file as found when the batch completed.
 */
public final class StreamingMetadataRecorder extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingMetadataRecorder.class);
  /** Spark wraps streaming events in this (private) class on the SparkContext's bus. */
  private static final String WRAPPED =
      "org.apache.spark.streaming.scheduler.StreamingListenerBus$WrappedStreamingListenerEvent";
  /** Batches waiting for their lookup; beyond this a batch's event is dropped, never waited for. */
  private static final int PENDING = 64;

  private final AuditLog audit;
  private final Configuration hadoopConf;
  private final ThreadPoolExecutor lookups = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
      new ArrayBlockingQueue<>(PENDING), r -> {
        Thread t = new Thread(r, "checkpointplus-streaming-metadata");
        t.setDaemon(true);
        return t;
      });

  public StreamingMetadataRecorder(AuditLog audit, Configuration hadoopConf) {
    this.audit = audit;
    this.hadoopConf = hadoopConf;
  }

  /** Whether Spark Streaming is on the class path (it is in every Spark distribution). */
  public static boolean available() {
    try {
      Class.forName(WRAPPED, false, StreamingMetadataRecorder.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  @Override
  public void onOtherEvent(SparkListenerEvent event) {
    if (!event.getClass().getName().equals(WRAPPED)) {
      return;
    }
    try {
      Object inner = event.getClass().getMethod("streamingListenerEvent").invoke(event);
      if (inner instanceof StreamingListenerBatchCompleted completed) {
        // The directory is read now: a stopping StreamingContext is no longer the active one.
        Option<StreamingContext> active = StreamingContext.getActive();
        if (active.isEmpty() || active.get().checkpointDir() == null) {
          return;
        }
        Path dir = new Path(active.get().checkpointDir());
        long batchTime = completed.batchInfo().batchTime().milliseconds();
        lookups.execute(() -> record(dir, batchTime));
      }
    } catch (RejectedExecutionException e) {
      LOG.debug("Streaming metadata lookups are behind; batch not recorded");
    } catch (Exception | LinkageError e) {
      LOG.debug("Could not record streaming metadata checkpoints", e);
    }
  }

  /**
   * Waits, at most {@code timeoutMs}, for the lookups of batches already reported, so their
   * events are recorded before the audit log closes; then stops the recorder's thread.
   */
  public void close(long timeoutMs) {
    lookups.shutdown();
    try {
      if (!lookups.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS)) {
        LOG.debug("Streaming metadata lookups still running at stop; their events are lost");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void record(Path dir, long batchTime) {
    try {
      FileStatus file;
      try {
        file = dir.getFileSystem(hadoopConf).getFileStatus(new Path(dir,
            "checkpoint-" + batchTime));
      } catch (FileNotFoundException e) {
        return; // no metadata checkpoint at this batch (checkpoint interval above the batch's)
      }
      audit.record(audit.event(AuditEvent.Type.CHECKPOINT_METADATA)
          .with("dir", dir.toString())
          .with("file", file.getPath().getName())
          .with("bytes", file.getLen())
          .with("batchTime", batchTime)
          .with("writtenAt", file.getModificationTime())
          .build());
    } catch (Exception | LinkageError e) {
      LOG.debug("Could not record the metadata checkpoint of batch {}", batchTime, e);
    }
  }
}
