package io.checkpointplus.spark.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.Optional;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.api.java.JavaPairDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * {@code spark.checkpointplus.streaming.backgroundWrite}: a batch whose state is checkpointed
 * completes while the checkpoint is still being written, Spark Streaming's metadata checkpoints
 * written meanwhile do not name the unfinished checkpoint, the state becomes checkpointed (its
 * lineage truncated) once the write completes, and every batch's output is stock Spark's. The
 * write is held by the checkpoint directory's file system ({@link HeldWritesFileSystem}) for as
 * long as the test needs: with the write on the batch's path, no batch could complete meanwhile.
 */
class BackgroundStreamingCheckpointsTest {
  @TempDir
  Path tmp;

  private static final int BATCHES = 10;
  private static final long BATCH_MS = 400;
  private static final List<List<String>> INPUT = List.of(List.of("a", "b", "a"),
      List.of("b", "c"), List.of("a"), List.of("d", "d"), List.of("c"), List.of("a", "e"),
      List.of("e"), List.of("b"), List.of("c", "f"), List.of("f"));
  /** Each batch's state, "word=count" sorted, in batch order. */
  private static final List<String> OUTPUT = Collections.synchronizedList(new ArrayList<>());
  /** Counts batches down; static, as Spark Streaming serializes the output function. */
  private static volatile CountDownLatch done;

  /**
   * The stateful count of {@link #INPUT}, one list a batch, its state checkpointed every third
   * batch: the two after a checkpoint batch can complete while its write is held; the next
   * checkpoint batch then waits for it (one write in flight at most).
   */
  private static JavaPairDStream<String, Integer> statefulCount(JavaSparkContext jsc,
      JavaStreamingContext ssc, String checkpointDir) {
    ssc.checkpoint(checkpointDir);
    Queue<JavaRDD<String>> queue = new LinkedList<>();
    for (List<String> words : INPUT) {
      queue.add(jsc.parallelize(words, 2));
    }
    JavaPairDStream<String, Integer> counts = ssc.queueStream(queue, true,
        jsc.parallelize(List.<String>of(), 2)).mapToPair(w -> new Tuple2<>(w, 1))
        .updateStateByKey((List<Integer> ones, Optional<Integer> state) ->
            Optional.of(state.orElse(0) + ones.size()));
    counts.checkpoint(Durations.milliseconds(3 * BATCH_MS));
    return counts;
  }

  /** Runs the stateful count for {@link #BATCHES} batches; returns each batch's state. */
  private List<String> run(SparkContext sc, String checkpointDir, Runnable whileRunning)
      throws Exception {
    OUTPUT.clear();
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaStreamingContext ssc = new JavaStreamingContext(jsc, Durations.milliseconds(BATCH_MS));
    done = new CountDownLatch(BATCHES);
    try {
      JavaPairDStream<String, Integer> counts = statefulCount(jsc, ssc, checkpointDir);
      counts.foreachRDD(rdd -> {
        List<String> state = rdd.collect().stream().map(t -> t._1() + "=" + t._2()).sorted()
            .collect(Collectors.toList());
        OUTPUT.add(String.join(",", state));
        done.countDown();
      });
      ssc.start();
      whileRunning.run();
      assertTrue(done.await(120, TimeUnit.SECONDS), BATCHES + " batches within 120 s");
    } finally {
      ssc.stop(true, false);
    }
    return new ArrayList<>(OUTPUT.subList(0, BATCHES));
  }

  @Test
  void aBatchCompletesWhileItsStateIsWrittenAndTheStateIsCheckpointedOnceItIs()
      throws Exception {
    List<String> stock;
    SparkContext stockSc = LocalSpark.stock(Map.of());
    try {
      stock = run(stockSc, tmp.resolve("stock-cp").toString(), () -> { });
    } finally {
      LocalSpark.stop(stockSc);
    }

    Path audit = tmp.resolve("audit.jsonl");
    Map<String, String> settings = HeldWritesFileSystem.settings();
    settings.put("spark.checkpointplus.streaming.backgroundWrite", "true");
    HeldWritesFileSystem.arm();
    SparkContext sc = LocalSpark.withPlugin(audit, settings);
    Path cp = tmp.resolve("plugin-cp");
    List<String> metadataWhileHeld = new ArrayList<>();
    List<String> plugin;
    try {
      CountDownLatch completedWhileHeld = new CountDownLatch(2);
      plugin = run(sc, HeldWritesFileSystem.SCHEME + "://" + cp, () -> {
        try {
          assertTrue(HeldWritesFileSystem.holding.await(120, TimeUnit.SECONDS),
              "a state checkpoint was written");
          // Counted from here: batches that complete while the checkpoint's write is held.
          long heldSince = System.currentTimeMillis();
          new CompletedBatches(completedWhileHeld).register();
          assertTrue(completedWhileHeld.await(120, TimeUnit.SECONDS),
              "two batches completed while the state checkpoint was being written");
          metadataWhileHeld.addAll(metadataFiles(cp, heldSince));
          assertNamesNoneOf(cp, metadataWhileHeld, HeldWritesFileSystem.firstDirectory.getName(),
              HeldWritesFileSystem.heldDirectory.getName(), sc.conf());
        } catch (InterruptedException | java.io.IOException e) {
          throw new AssertionError(e);
        } finally {
          HeldWritesFileSystem.release();
        }
      });
    } finally {
      HeldWritesFileSystem.release();
      LocalSpark.stop(sc);
    }

    assertEquals(stock, plugin, "every batch's state is stock Spark's");
    assertFalse(metadataWhileHeld.isEmpty(), "metadata checkpoints were written meanwhile");
    String held = HeldWritesFileSystem.heldDirectory.getName();
    int heldRdd = Integer.parseInt(held.substring("rdd-".length()));
    List<JsonNode> completed = LocalSpark.events(audit, "checkpoint.completed").stream()
        .filter(e -> e.get("rddId").asInt() == heldRdd).collect(Collectors.toList());
    assertEquals(1, completed.size(), "the held checkpoint completed once: " + completed);
    assertTrue(completed.get(0).get("background").asBoolean(), completed.toString());
    assertTrue(completed.get(0).get("batchTime").isNumber(), completed.toString());
    List<JsonNode> truncated = LocalSpark.events(audit, "checkpoint.truncated").stream()
        .filter(e -> e.get("rddId").asInt() == heldRdd).collect(Collectors.toList());
    assertEquals(1, truncated.size(), "its lineage was truncated once it completed");
    assertTrue(truncated.get(0).get("afterBatchMs").asLong() >= 0, truncated.toString());
    assertTrue(truncated.get(0).get("time").asLong()
        >= completed.get(0).get("time").asLong());
  }

  /**
   * A state checkpoint that cannot be written fails a batch, with and without the background
   * write: stock Spark fails the checkpoint's own batch; in the background the write fails after
   * its batch completed, and the next batch fails with it. Either way the application sees the
   * write's error once, on a failed output operation, and the batches after it run.
   */
  @Test
  void aFailedBackgroundWriteFailsTheNextBatchWithItsError() throws Exception {
    Map<String, String> settings = HeldWritesFileSystem.settings();
    List<String> stockFailures;
    HeldWritesFileSystem.arm();
    HeldWritesFileSystem.failInstead = true;
    SparkContext stockSc = LocalSpark.stock(settings);
    try {
      stockFailures = failedOutputs(stockSc, tmp.resolve("stock-cp"));
    } finally {
      LocalSpark.stop(stockSc);
    }
    HeldWritesFileSystem.arm();
    HeldWritesFileSystem.failInstead = true;
    settings.put("spark.checkpointplus.streaming.backgroundWrite", "true");
    Path audit = tmp.resolve("failed-audit.jsonl");
    SparkContext sc = LocalSpark.withPlugin(audit, settings);
    List<String> failures;
    try {
      failures = failedOutputs(sc, tmp.resolve("plugin-cp"));
    } finally {
      LocalSpark.stop(sc);
    }
    assertEquals(1, stockFailures.size(), "stock Spark fails one batch: " + stockFailures);
    assertTrue(stockFailures.get(0).contains(HeldWritesFileSystem.FAILURE), stockFailures.get(0));
    assertEquals(1, failures.size(), "one batch fails with the background write's error: "
        + failures);
    assertTrue(failures.get(0).contains(HeldWritesFileSystem.FAILURE), failures.get(0));
    List<JsonNode> failed = LocalSpark.events(audit, "checkpoint.failed");
    assertEquals(1, failed.size(), "written once, as Spark writes a failed checkpoint: " + failed);
    assertTrue(failed.get(0).get("background").asBoolean(),
        "the failed write is audited as a background one");
  }

  /**
   * A background write that fails after its StreamingContext stopped belongs to a batch of that
   * context: the next StreamingContext on the same SparkContext runs every batch, none failed
   * with the old write's error.
   */
  @Test
  void aWriteFailingAfterItsStreamingContextStoppedFailsNoBatchOfTheNext() throws Exception {
    Map<String, String> settings = HeldWritesFileSystem.settings();
    settings.put("spark.checkpointplus.streaming.backgroundWrite", "true");
    HeldWritesFileSystem.arm();
    HeldWritesFileSystem.failOnRelease = true;
    Path audit = tmp.resolve("stopped-audit.jsonl");
    SparkContext sc = LocalSpark.withPlugin(audit, settings);
    CountDownLatch batches = new CountDownLatch(BATCHES);
    CompletedBatches completed = new CompletedBatches(batches);
    try {
      JavaSparkContext jsc = new JavaSparkContext(sc);
      JavaStreamingContext first = new JavaStreamingContext(jsc, Durations.milliseconds(BATCH_MS));
      statefulCount(jsc, first, HeldWritesFileSystem.SCHEME + "://" + tmp.resolve("first-cp"))
          .foreachRDD(rdd -> {
            rdd.count();
          });
      first.start();
      assertTrue(HeldWritesFileSystem.holding.await(120, TimeUnit.SECONDS),
          "a state checkpoint's write was held");
      first.stop(false, false);
      HeldWritesFileSystem.release(); // the write now fails, its context stopped
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (LocalSpark.events(audit, "checkpoint.failed").isEmpty()) {
        assertTrue(System.nanoTime() < deadline, "the held write failed within 120 s");
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }

      JavaStreamingContext next = new JavaStreamingContext(jsc, Durations.milliseconds(BATCH_MS));
      try {
        statefulCount(jsc, next, tmp.resolve("next-cp").toString()).foreachRDD(rdd -> {
          rdd.count();
        });
        next.addStreamingListener(completed);
        next.start();
        assertTrue(batches.await(120, TimeUnit.SECONDS), BATCHES + " batches within 120 s");
      } finally {
        next.stop(false, false);
      }
    } finally {
      HeldWritesFileSystem.release();
      LocalSpark.stop(sc);
    }
    assertEquals(List.of(), completed.failures, "no batch of the next StreamingContext failed");
  }

  /** A task of the batch after the held write's, reading the state while the write is held. */
  private static volatile CountDownLatch readingWhileHeld;
  /** Opened once the held write's job has ended: the reading task then finishes. */
  private static volatile CountDownLatch gate;

  /**
   * The write fails while a later batch's job is running and reading the state being written
   * (its narrow dependencies reach the written RDD). A failed task aborts its stage, and Spark
   * then fails every running job whose stages read that RDD: the write's failure must not
   * reach that batch too. Still exactly one output operation fails, with the write's error.
   */
  @Test
  void aWriteFailingWhileTheNextBatchReadsTheStateFailsOneBatchOnly() throws Exception {
    Map<String, String> settings = HeldWritesFileSystem.settings();
    settings.put("spark.checkpointplus.streaming.backgroundWrite", "true");
    HeldWritesFileSystem.arm();
    HeldWritesFileSystem.failOnRelease = true;
    readingWhileHeld = new CountDownLatch(1);
    gate = new CountDownLatch(1);
    SparkContext sc = LocalSpark.withPlugin(tmp.resolve("audit.jsonl"), settings);
    CountDownLatch heldWriteEnded = new CountDownLatch(1);
    Map<Integer, String> writeJobs = new java.util.concurrent.ConcurrentHashMap<>();
    sc.addSparkListener(new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
        String rdd = start.properties() == null ? null : start.properties().getProperty(
            io.checkpointplus.spark.checkpoint.CheckpointWriter.CHECKPOINT_RDD_PROPERTY);
        if (rdd != null) {
          writeJobs.put(start.jobId(), "rdd-" + rdd);
        }
      }

      @Override
      public void onJobEnd(org.apache.spark.scheduler.SparkListenerJobEnd end) {
        org.apache.hadoop.fs.Path held = HeldWritesFileSystem.heldDirectory;
        if (held != null && held.getName().equals(writeJobs.get(end.jobId()))) {
          heldWriteEnded.countDown();
        }
      }
    });
    List<String> failures;
    try {
      failures = failedOutputs(sc, tmp.resolve("cp"), rdd -> {
        if (HeldWritesFileSystem.holding.getCount() == 0 && readingWhileHeld.getCount() > 0) {
          rdd.foreachPartition(partition -> {
            readingWhileHeld.countDown();
            gate.await(120, TimeUnit.SECONDS);
          });
        } else {
          rdd.count();
        }
      }, () -> {
        try {
          assertTrue(readingWhileHeld.await(120, TimeUnit.SECONDS),
              "a batch read the state while its write was held");
          HeldWritesFileSystem.release();
          assertTrue(heldWriteEnded.await(120, TimeUnit.SECONDS), "the held write ended");
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        } finally {
          gate.countDown();
        }
      });
    } finally {
      gate.countDown();
      HeldWritesFileSystem.release();
      LocalSpark.stop(sc);
    }
    assertEquals(1, failures.size(), "one batch fails, with the write's error: " + failures);
    assertTrue(failures.get(0).contains(HeldWritesFileSystem.FAILURE), failures.get(0));
  }

  /**
   * Runs the stateful count with its second state checkpoint failing, until {@link #BATCHES}
   * batches completed; returns the failure reason of each failed output operation.
   */
  private List<String> failedOutputs(SparkContext sc, Path cp) throws Exception {
    return failedOutputs(sc, cp, rdd -> {
      rdd.count();
    }, () -> { });
  }

  /**
   * Runs the stateful count with {@code output} as its output operation, and
   * {@code whileRunning} on the test's thread once started, until {@link #BATCHES} batches
   * completed; returns the failure reason of each failed output operation.
   */
  private List<String> failedOutputs(SparkContext sc, Path cp,
      org.apache.spark.api.java.function.VoidFunction<
          org.apache.spark.api.java.JavaPairRDD<String, Integer>> output,
      Runnable whileRunning) throws Exception {
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaStreamingContext ssc = new JavaStreamingContext(jsc, Durations.milliseconds(BATCH_MS));
    CountDownLatch batches = new CountDownLatch(BATCHES);
    CompletedBatches completed = new CompletedBatches(batches);
    try {
      JavaPairDStream<String, Integer> counts =
          statefulCount(jsc, ssc, HeldWritesFileSystem.SCHEME + "://" + cp);
      counts.foreachRDD(output);
      ssc.addStreamingListener(completed);
      ssc.start();
      whileRunning.run();
      assertTrue(batches.await(120, TimeUnit.SECONDS), BATCHES + " batches within 120 s");
    } finally {
      ssc.stop(true, false);
    }
    return new ArrayList<>(completed.failures);
  }

  /** With batches running at once the setting is ignored: every checkpoint is on its batch. */
  @Test
  void withConcurrentJobsTheStateIsWrittenOnTheBatchsPath() throws Exception {
    Path audit = tmp.resolve("concurrent-audit.jsonl");
    SparkContext sc = LocalSpark.withPlugin(audit, Map.of(
        "spark.checkpointplus.streaming.backgroundWrite", "true",
        "spark.streaming.concurrentJobs", "2"));
    try {
      run(sc, tmp.resolve("concurrent-cp").toString(), () -> { });
    } finally {
      LocalSpark.stop(sc);
    }
    List<JsonNode> completed = LocalSpark.events(audit, "checkpoint.completed");
    assertFalse(completed.isEmpty(), "state checkpoints were written");
    assertTrue(completed.stream().noneMatch(e -> e.get("background").asBoolean()),
        completed.toString());
  }

  /** Whether each user checkpoint inside a batch was checkpointed when its action returned. */
  private static final List<Boolean> USER_CHECKPOINTED =
      Collections.synchronizedList(new ArrayList<>());

  /**
   * Only the RDDs of DStreams with a checkpoint interval go to the background: an RDD a batch's
   * own code checkpoints is written before its action returns, as without the setting.
   */
  @Test
  void aCheckpointTheBatchsOwnCodeAsksForIsWrittenBeforeItsActionReturns() throws Exception {
    USER_CHECKPOINTED.clear();
    SparkContext sc = LocalSpark.withPlugin(tmp.resolve("audit.jsonl"),
        Map.of("spark.checkpointplus.streaming.backgroundWrite", "true"));
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaStreamingContext ssc = new JavaStreamingContext(jsc, Durations.milliseconds(BATCH_MS));
    done = new CountDownLatch(3);
    try {
      ssc.checkpoint(tmp.resolve("cp").toString());
      Queue<JavaRDD<String>> queue = new LinkedList<>();
      for (List<String> words : INPUT) {
        queue.add(jsc.parallelize(words, 2));
      }
      ssc.queueStream(queue, true).foreachRDD(rdd -> {
        JavaRDD<Integer> lengths = rdd.map(String::length);
        lengths.checkpoint();
        lengths.count();
        USER_CHECKPOINTED.add(lengths.isCheckpointed());
        done.countDown();
      });
      ssc.start();
      assertTrue(done.await(120, TimeUnit.SECONDS), "3 batches within 120 s");
    } finally {
      ssc.stop(true, false);
    }
    assertTrue(USER_CHECKPOINTED.size() >= 3 && !USER_CHECKPOINTED.contains(false),
        USER_CHECKPOINTED.toString());
    assertTrue(LocalSpark.events(tmp.resolve("audit.jsonl"), "checkpoint.completed").stream()
        .noneMatch(e -> e.get("background").asBoolean()));
  }

  /**
   * Counts the batches that complete once registered (on a StreamingContext, or on the active
   * one), noting the failure reason of each failed output operation.
   */
  private static final class CompletedBatches implements StreamingListener {
    private final CountDownLatch batches;
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    CompletedBatches(CountDownLatch batches) {
      this.batches = batches;
    }

    void register() {
      org.apache.spark.streaming.StreamingContext.getActive().get().addStreamingListener(this);
    }

    @Override
    public void onBatchCompleted(StreamingListenerBatchCompleted batch) {
      batches.countDown();
    }

    @Override
    public void onOutputOperationCompleted(
        org.apache.spark.streaming.scheduler.StreamingListenerOutputOperationCompleted op) {
      if (op.outputOperationInfo().failureReason().isDefined()) {
        failures.add(op.outputOperationInfo().failureReason().get());
      }
    }
  }

  /** Spark Streaming's metadata checkpoints written since {@code sinceMs}. */
  private static List<String> metadataFiles(Path cp, long sinceMs) throws java.io.IOException {
    try (Stream<Path> files = Files.list(cp)) {
      return files.filter(p -> p.getFileName().toString().matches("checkpoint-[0-9]+(\\.bk)?"))
          .filter(p -> p.toFile().lastModified() >= sinceMs)
          .map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  /**
   * Every metadata checkpoint names the complete checkpoint {@code complete}, none the unfinished
   * {@code rddDir}: each file is Spark's compressed Java serialization of its {@code Checkpoint},
   * in which every recorded checkpoint file is a string.
   */
  private static void assertNamesNoneOf(Path cp, List<String> files, String complete,
      String rddDir, org.apache.spark.SparkConf conf) throws java.io.IOException {
    Pattern named = Pattern.compile(Pattern.quote(rddDir) + "(?![0-9])");
    org.apache.spark.io.CompressionCodec codec =
        org.apache.spark.io.CompressionCodec$.MODULE$.createCodec(conf);
    for (String f : files) {
      String content;
      try (java.io.InputStream in = codec.compressedInputStream(
          Files.newInputStream(cp.resolve(f)))) {
        content = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      }
      assertTrue(Pattern.compile(Pattern.quote(complete) + "(?![0-9])").matcher(content).find(),
          f + " names the state checkpoint " + complete);
      assertFalse(named.matcher(content).find(), f + " names the unfinished " + rddDir);
    }
  }
}
