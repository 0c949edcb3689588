package io.checkpointplus.spark.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.Optional;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.api.java.JavaInputDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * {@code checkpoint.metadata}: Spark Streaming writes a batch's metadata checkpoint twice (when
 * the batch is generated, then again when it completes, keeping the first as {@code .bk}); the
 * audit records one event per completed batch, for {@code checkpoint-<batch time>}, never one
 * for a batch that has not completed, and the last batch's event reaches the audit log even when
 * the application stops right after it.
 */
class StreamingMetadataEventsTest extends WithLocalSpark {
  private static final int BATCHES = 4;
  /**
   * Spark keeps only the ten newest metadata files and every generated batch writes one, so a
   * batch still waiting when ten later ones were generated has no file left to record when it
   * completes. At 1 s the first, cold batch on a loaded 2-core machine (about 6 s) leaves the
   * newest batch's file in place; at 500 ms it did not.
   */
  private static final long INTERVAL_MS = 1000;
  private static final long WAIT_SECONDS = 120;

  /** The first batch the backlog test ran, and the latches its batches wait on (driver side). */
  private static final AtomicLong firstBatch = new AtomicLong(-1);
  private static volatile CountDownLatch firstBatchHeld = new CountDownLatch(0);
  private static volatile CountDownLatch laterBatchesHeld = new CountDownLatch(0);

  @Test
  void oneEventPerCompletedBatchNamingThatBatchsFile() throws Exception {
    Path root = tmp.resolve("streaming");
    sc = LocalSpark.withPlugin(audit(), Map.of());
    CompletedBatches completed = new CompletedBatches(null);
    sc.addSparkListener(completed);
    JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(sc),
        Durations.milliseconds(INTERVAL_MS));
    try {
      ssc.checkpoint(root.toString());
      statefulCount(ssc);
      ssc.start();
      assertTrue(completed.await(BATCHES), BATCHES + " batches within " + WAIT_SECONDS + " s");
    } finally {
      ssc.stop(true, false);
      sc = null;
    }

    List<Long> recordedBatches = recordedBatches();
    assertEquals(recordedBatches.size(), new TreeSet<>(recordedBatches).size(),
        "one event per batch, never also its .bk copy: " + recordedBatches);
    assertTrue(completed.times.containsAll(recordedBatches),
        "only completed batches recorded: " + recordedBatches + ", completed " + completed.times);
    // Under a backlog an early batch's file can be gone by the time it completes; the newest
    // batch's is not, and its event must not be lost to the application stopping right after it.
    long newest = completed.times.last();
    assertFileKept(root, newest);
    assertTrue(recordedBatches.contains(newest),
        "the newest completed batch " + newest + " recorded: " + recordedBatches);
  }

  /**
   * Spark's listener queues run apart: the application can stop its StreamingContext while the
   * queue the recorder listens on has not yet delivered the last batches' completion (CI saw
   * the newest batch missing). Here that queue is held at the first completion until the
   * StreamingContext has stopped, so every later completion reaches the recorder after the stop.
   */
  @Test
  void batchesTheRecorderSeesCompleteOnlyAfterTheStopAreRecorded() throws Exception {
    Path root = tmp.resolve("streaming");
    sc = LocalSpark.withPlugin(audit(), Map.of());
    CountDownLatch queueHeld = new CountDownLatch(1);
    // Registered after the plugin's recorder on the same queue: it holds the queue only once
    // the recorder has seen the first completion.
    CompletedBatches completed = new CompletedBatches(queueHeld);
    sc.addSparkListener(completed);
    JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(sc),
        Durations.milliseconds(INTERVAL_MS));
    try {
      ssc.checkpoint(root.toString());
      statefulCount(ssc);
      // Counted on the streaming listener bus's own queue, which the held queue does not stop.
      CountDownLatch batches = new CountDownLatch(BATCHES);
      ssc.addStreamingListener(new StreamingListener() {
        @Override
        public void onBatchCompleted(StreamingListenerBatchCompleted batch) {
          batches.countDown();
        }
      });
      ssc.start();
      assertTrue(batches.await(WAIT_SECONDS, TimeUnit.SECONDS),
          BATCHES + " batches within " + WAIT_SECONDS + " s");
      ssc.stop(false, false);
    } finally {
      queueHeld.countDown();
      ssc.stop(true, false);
      sc = null;
    }

    List<Long> recordedBatches = recordedBatches();
    assertTrue(completed.times.size() >= BATCHES, completed.times.toString());
    long newest = completed.times.last();
    assertFileKept(root, newest);
    assertTrue(recordedBatches.contains(newest),
        "the newest completed batch " + newest + " recorded: " + recordedBatches);
  }

  /**
   * Under a backlog Spark removes a batch's metadata files before the batch completes (it keeps
   * the ten newest, and every generated batch writes one); the recorder then lists the
   * directory to catch up, and must record from it only batches that completed: the files of
   * the later batches, generated but still waiting, are not theirs to record yet. A completed
   * batch whose files are gone is recorded as its file was seen when the batch was submitted.
   */
  @Test
  void catchUpUnderABacklogRecordsOnlyCompletedBatches() throws Exception {
    Path root = tmp.resolve("streaming");
    sc = LocalSpark.withPlugin(audit(), Map.of());
    CompletedBatches completed = new CompletedBatches(null);
    sc.addSparkListener(completed);
    JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(sc),
        Durations.milliseconds(200));
    firstBatch.set(-1);
    firstBatchHeld = new CountDownLatch(1);
    laterBatchesHeld = new CountDownLatch(1);
    long first;
    try {
      ssc.checkpoint(root.toString());
      JavaInputDStream<String> input = ssc.queueStream(inputs(ssc), true);
      input.foreachRDD((rdd, time) -> {
        rdd.count();
        holdBatch(time.milliseconds());
      });
      ssc.start();
      first = awaitFilesGoneOfFirstBatch(root.toFile().getCanonicalFile().toPath());
      firstBatchHeld.countDown();
      assertTrue(completed.awaitBatch(first), "the first batch completed within "
          + WAIT_SECONDS + " s");
    } finally {
      // Not graceful: the later batches, still held, are stopped without completing.
      ssc.stop(true, false);
      sc = null;
      firstBatchHeld.countDown();
      laterBatchesHeld.countDown();
    }

    List<Long> recordedBatches = recordedBatches();
    assertEquals(recordedBatches.size(), new TreeSet<>(recordedBatches).size(),
        "each batch recorded at most once: " + recordedBatches);
    List<Long> notCompleted = new ArrayList<>(recordedBatches);
    notCompleted.removeAll(completed.times);
    assertTrue(notCompleted.isEmpty(), "recorded batches that never completed: " + notCompleted
        + " (completed: " + completed.times + ", first " + first + ")");
    // Spark wrote the first batch's metadata and removed it before the batch completed: the
    // event still records that checkpoint, as the recorder saw it when the batch was submitted
    // (a local-cluster run whose first batch waits for executors lost 9 of 16 batches so).
    JsonNode firstEvent = LocalSpark.events(audit(), "checkpoint.metadata").stream()
        .filter(m -> m.get("batchTime").asLong() == first).findFirst().orElse(null);
    assertTrue(firstEvent != null, "the first batch, completed with its files already removed, "
        + "recorded: " + recordedBatches + " (first " + first + ")");
    assertEquals("batchSubmitted", firstEvent.get("observedAt").asText(), firstEvent.toString());
  }

  /** Batch times of the {@code checkpoint.metadata} events, each checked to name its file. */
  private List<Long> recordedBatches() {
    List<Long> recorded = new ArrayList<>();
    for (JsonNode m : LocalSpark.events(audit(), "checkpoint.metadata")) {
      long batchTime = m.get("batchTime").asLong();
      recorded.add(batchTime);
      // The batch's file, or its first copy while Spark replaces it at that moment.
      assertTrue(m.get("file").asText().equals("checkpoint-" + batchTime)
          || m.get("file").asText().equals("checkpoint-" + batchTime + ".bk"), m.toString());
      assertTrue(m.get("bytes").asLong() > 0, m.toString());
    }
    return recorded;
  }

  /**
   * The test's premise: Spark still holds batch {@code batchTime}'s metadata file after the
   * stop, so it held it when the batch completed (once a batch's files are removed, ten newer
   * ones exist and any copy it writes again is removed at once).
   */
  private static void assertFileKept(Path root, long batchTime) throws Exception {
    Path dir = root.toFile().getCanonicalFile().toPath();
    assertTrue(Files.exists(dir.resolve("checkpoint-" + batchTime))
        || Files.exists(dir.resolve("checkpoint-" + batchTime + ".bk")),
        "Spark removed batch " + batchTime + "'s metadata files before it completed (ten later "
        + "batches were waiting): nothing for the recorder to find");
  }

  private static Queue<JavaRDD<String>> inputs(JavaStreamingContext ssc) {
    Queue<JavaRDD<String>> queue = new LinkedList<>();
    for (int i = 0; i < 50; i++) {
      queue.add(ssc.sparkContext().parallelize(List.of("a", "b" + i % 3), 2));
    }
    return queue;
  }

  private static void statefulCount(JavaStreamingContext ssc) {
    ssc.queueStream(inputs(ssc), true)
        .mapToPair(w -> new Tuple2<>(w, 1))
        .updateStateByKey((List<Integer> news, Optional<Integer> old) ->
            Optional.of(old.orElse(0) + news.size()))
        .foreachRDD(rdd -> {
          rdd.count();
        });
  }

  /** On the streaming job thread: the first batch waits for its release, later ones for theirs. */
  private static void holdBatch(long batchTime) {
    CountDownLatch held = firstBatch.compareAndSet(-1, batchTime) || firstBatch.get() == batchTime
        ? firstBatchHeld : laterBatchesHeld;
    try {
      held.await(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      // The StreamingContext stopping without waiting for the batch.
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until the first batch runs and Spark has removed its metadata files: ten later
   * batches were generated meanwhile, each writing its own. The files count as removed only
   * once they were seen: Spark's writer thread runs behind the batch's jobs, so the batch can
   * run before its file is written at all (CI once took that for "removed", and the recorder
   * then rightly found the file when the batch completed).
   */
  private static long awaitFilesGoneOfFirstBatch(Path dir) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    boolean written = false;
    while (true) {
      long first = firstBatch.get();
      boolean present = first >= 0 && (Files.exists(dir.resolve("checkpoint-" + first))
          || Files.exists(dir.resolve("checkpoint-" + first + ".bk")));
      written |= present;
      if (written && !present) {
        return first;
      }
      assertTrue(System.nanoTime() < deadline, "the first batch's metadata files removed by "
          + "Spark within " + WAIT_SECONDS + " s");
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  /**
   * Batches Spark Streaming reported completed, seen as the recorder sees them: wrapped on the
   * SparkContext's bus, in the shared queue after the recorder (registered at start-up). With a
   * {@code holdUntil} latch it holds that queue at the first completion until the latch opens.
   */
  private static final class CompletedBatches extends SparkListener {
    final ConcurrentSkipListSet<Long> times = new ConcurrentSkipListSet<>();
    private final CountDownLatch holdUntil;

    CompletedBatches(CountDownLatch holdUntil) {
      this.holdUntil = holdUntil;
    }

    @Override
    public void onOtherEvent(SparkListenerEvent event) {
      Object inner;
      try {
        inner = event.getClass().getMethod("streamingListenerEvent").invoke(event);
      } catch (ReflectiveOperationException notStreaming) {
        return;
      }
      if (inner instanceof StreamingListenerBatchCompleted completed) {
        synchronized (this) {
          times.add(completed.batchInfo().batchTime().milliseconds());
          notifyAll();
        }
        if (holdUntil != null && times.size() == 1) {
          try {
            holdUntil.await(WAIT_SECONDS, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }

    /** Waits, at most {@link #WAIT_SECONDS}, until {@code count} batches have completed. */
    boolean await(int count) throws InterruptedException {
      return awaitUntil(() -> times.size() >= count);
    }

    /** Waits, at most {@link #WAIT_SECONDS}, until batch {@code batchTime} has completed. */
    boolean awaitBatch(long batchTime) throws InterruptedException {
      return awaitUntil(() -> times.contains(batchTime));
    }

    private synchronized boolean awaitUntil(java.util.function.BooleanSupplier done)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (!done.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }
  }
}
