package io.checkpointplus.spark.differential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.Optional;
import org.apache.spark.streaming.Duration;
import org.apache.spark.streaming.StateSpec;
import org.apache.spark.streaming.api.java.JavaPairDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * Stock Spark is the oracle for Spark Streaming too: random stateful DStream programs
 * ({@code updateStateByKey}, {@code mapWithState}, windows with and without an inverse, unions,
 * joins, chained, each stateful stream with its own checkpoint interval) give every batch the
 * same output with the plugin's state checkpoints written in the background
 * ({@code spark.checkpointplus.streaming.backgroundWrite}) as without the plugin. The plugin's
 * checkpoint files are created slowly ({@link SlowCheckpointFileSystem}), so the next batches
 * read each state while its write is in flight and while its lineage is truncated.
 *
 * <p>Every program has a stateful stage of the kind its seed selects and a stateless one
 * likewise, so that consecutive seeds cover every kind. System properties:
 * {@code differential.streamingPrograms} (default 6) and {@code differential.streamingSeed}
 * (first seed, default 1; programs use consecutive seeds).
 */
class StreamingDifferentialTest {
  private static final long BATCH_MS = 250;
  /** Batches with input; the windows' last batches follow, without. */
  private static final int INPUT_BATCHES = 10;
  private static final int COMPARED_BATCHES = INPUT_BATCHES + 2;

  /** Each output's records, by output and batch time; static: output functions are serialized. */
  private static final Map<String, String> OUTPUT = new ConcurrentHashMap<>();
  /** The run whose outputs are recorded: a late output of an earlier run is not. */
  private static volatile long currentRun;
  private static volatile CountDownLatch batches;
  /** Completed batches' times and failed output operations of the current run. */
  private static final List<Long> BATCH_TIMES = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static final List<String> FAILURES = new java.util.concurrent.CopyOnWriteArrayList<>();

  @TempDir
  Path tmp;

  @Test
  void backgroundStateCheckpointsGiveEveryBatchStockSparksOutput() throws Exception {
    int count = Integer.getInteger("differential.streamingPrograms", 6);
    long first = Long.getLong("differential.streamingSeed", 1L);
    Path audit = tmp.resolve("audit.jsonl");
    Map<Long, Map<String, String>> stock = new TreeMap<>();
    SparkContext sc = LocalSpark.stock(Map.of());
    try {
      for (long seed = first; seed < first + count; seed++) {
        stock.put(seed, run(sc, seed, tmp.resolve("stock-" + seed).toString(), null));
      }
    } finally {
      LocalSpark.stop(sc);
    }
    sc = LocalSpark.withPlugin(audit, Map.of(
        "spark.checkpointplus.streaming.backgroundWrite", "true",
        "spark.hadoop.fs." + SlowCheckpointFileSystem.SCHEME + ".impl",
        SlowCheckpointFileSystem.class.getName()));
    try {
      for (long seed = first; seed < first + count; seed++) {
        String checkpoint =
            SlowCheckpointFileSystem.SCHEME + "://" + tmp.resolve("plugin-" + seed);
        Map<String, String> plugin = run(sc, seed, checkpoint, audit);
        assertEquals(stock.get(seed), plugin, "program " + seed + " (" + describe(seed)
            + "): every batch's output equals stock Spark's");
        String dir = "/plugin-" + seed + "/";
        assertTrue(LocalSpark.events(audit, "checkpoint.completed").stream()
            .anyMatch(e -> e.path("background").asBoolean() && e.path("dir").asText()
                .contains(dir)), "program " + seed + " wrote its state in the background");
      }
    } finally {
      LocalSpark.stop(sc);
    }
    long overlapping = LocalSpark.events(audit, "checkpoint.truncated").stream()
        .filter(e -> e.path("afterBatchMs").asLong() > BATCH_MS).count();
    assertTrue(overlapping > 0, "a later batch ran before a background checkpoint became the"
        + " state's");
  }

  /**
   * Runs program {@code seed} on {@code sc} for {@value #COMPARED_BATCHES} batches, and with the
   * plugin ({@code audit} not null) until its writes ended; returns each output's records by
   * output and batch index, every one of them present.
   */
  private static Map<String, String> run(SparkContext sc, long seed, String checkpoint,
      Path audit) throws InterruptedException {
    OUTPUT.clear();
    BATCH_TIMES.clear();
    FAILURES.clear();
    currentRun = System.nanoTime();
    batches = new CountDownLatch(COMPARED_BATCHES);
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaStreamingContext ssc = new JavaStreamingContext(jsc, new Duration(BATCH_MS));
    int outputs;
    try {
      ssc.checkpoint(checkpoint);
      outputs = build(seed, jsc, ssc, new StringBuilder(), currentRun);
      ssc.addStreamingListener(new CountingListener());
      ssc.start();
      assertTrue(batches.await(180, TimeUnit.SECONDS), COMPARED_BATCHES + " batches of program "
          + seed + " within 180 s");
    } finally {
      ssc.stop(false, false);
    }
    if (audit != null) {
      // Stopped first, so that no batch starts another write; the SparkContext's stop would
      // end one still in flight.
      String dir = checkpoint.substring(checkpoint.lastIndexOf('/')) + "/";
      awaitWritesEnded(audit, dir);
      assertEquals(List.of(), LocalSpark.events(audit, "checkpoint.failed").stream()
          .filter(e -> e.path("dir").asText().contains(dir)).collect(Collectors.toList()),
          "program " + seed + ": no write failed");
    }
    assertEquals(List.of(), FAILURES, "program " + seed + ": no output operation failed");
    long zero = BATCH_TIMES.stream().mapToLong(Long::longValue).min().orElseThrow();
    Map<String, String> byIndex = new TreeMap<>();
    OUTPUT.forEach((key, records) -> {
      String[] parts = key.split("@");
      long index = (Long.parseLong(parts[1]) - zero) / BATCH_MS;
      if (index < COMPARED_BATCHES) {
        byIndex.put(parts[0] + " batch " + index, records);
      }
    });
    assertEquals(outputs * COMPARED_BATCHES, byIndex.size(),
        "program " + seed + ": every output of every batch recorded: " + byIndex.keySet());
    return byIndex;
  }

  /**
   * Waits until every background write this program started has completed or failed, so that
   * none is left for the next program's batches.
   */
  private static void awaitWritesEnded(Path audit, String dir) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      long started = ofProgram(audit, "checkpoint.started", dir);
      long ended = ofProgram(audit, "checkpoint.completed", dir)
          + ofProgram(audit, "checkpoint.failed", dir);
      if (started == ended) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, "background writes ended within 120 s: "
          + started + " started, " + ended + " ended");
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  private static long ofProgram(Path audit, String type, String dir) {
    return LocalSpark.events(audit, type).stream()
        .filter(e -> e.path("dir").asText().contains(dir)).count();
  }

  private static String describe(long seed) {
    StringBuilder shape = new StringBuilder();
    build(seed, null, null, shape, 0);
    return shape.toString();
  }

  /**
   * The program the random numbers give: input of random keys and partitions, two or three
   * stages (a stateful one of kind {@code seed % 3}, a stateless one of kind
   * {@code 3 + seed % 4}, in a random order, maybe another of any kind), each stage's stream an
   * output recorded for {@code run}. With no context, only describes it. Returns how many
   * outputs it has.
   */
  private static int build(long seed, JavaSparkContext jsc, JavaStreamingContext ssc,
      StringBuilder shape, long run) {
    Random random = new Random(seed);
    int keys = 5 + random.nextInt(60);
    int partitions = 1 + random.nextInt(4);
    List<List<Tuple2<Integer, Integer>>> input = new ArrayList<>();
    for (int b = 0; b < INPUT_BATCHES; b++) {
      List<Tuple2<Integer, Integer>> records = new ArrayList<>();
      for (int r = random.nextInt(200); r > 0; r--) {
        records.add(new Tuple2<>(random.nextInt(keys), 1 + random.nextInt(5)));
      }
      input.add(records);
    }
    shape.append(keys).append(" keys, ").append(partitions).append(" partitions");
    JavaPairDStream<Integer, Integer> stream = null;
    if (ssc != null) {
      Queue<org.apache.spark.api.java.JavaRDD<Tuple2<Integer, Integer>>> queue =
          new LinkedList<>();
      input.forEach(records -> queue.add(jsc.parallelize(records, partitions)));
      stream = JavaPairDStream.fromJavaDStream(ssc.queueStream(queue, true,
          jsc.parallelize(List.<Tuple2<Integer, Integer>>of(), partitions)));
    }
    int stages = 2 + random.nextInt(2);
    int stateful = random.nextInt(stages);
    int stateless = (stateful + 1 + random.nextInt(stages - 1)) % stages;
    for (int s = 0; s < stages; s++) {
      int kind = s == stateful ? (int) Math.floorMod(seed, 3L)
          : s == stateless ? 3 + (int) Math.floorMod(seed, 4L) : random.nextInt(7);
      Duration interval = new Duration(BATCH_MS * (1 + random.nextInt(4)));
      shape.append(" -> ");
      switch (kind) {
        case 0 -> {
          shape.append("updateStateByKey every ").append(interval);
          if (stream != null) {
            stream = stream.updateStateByKey(StreamingDifferentialTest::sumUnlessEleven);
            stream.checkpoint(interval);
          }
        }
        case 1 -> {
          shape.append("mapWithState every ").append(interval);
          if (stream != null) {
            var counts = stream.mapWithState(
                StateSpec.function(StreamingDifferentialTest::count));
            counts.checkpoint(interval); // the state's stream, inside mapWithState
            stream = counts.mapToPair(t -> t);
          }
        }
        case 2 -> {
          shape.append("reduceByKeyAndWindow(inverse, 3 batches) every ").append(interval);
          if (stream != null) {
            stream = stream.reduceByKeyAndWindow(Integer::sum, (a, b) -> a - b,
                new Duration(3 * BATCH_MS), new Duration(BATCH_MS));
            stream.checkpoint(interval);
          }
        }
        case 3 -> {
          shape.append("window(2 batches).reduceByKey");
          if (stream != null) {
            stream = stream.window(new Duration(2 * BATCH_MS)).reduceByKey(Integer::sum);
          }
        }
        case 4 -> {
          shape.append("union with mapValues");
          if (stream != null) {
            stream = stream.union(stream.mapValues(v -> v * 3 % 17));
          }
        }
        case 5 -> {
          shape.append("join with its 2-batch window");
          if (stream != null) {
            stream = stream.join(stream.window(new Duration(2 * BATCH_MS)))
                .mapValues(v -> v._1() * 31 + v._2());
          }
        }
        default -> {
          shape.append("filter");
          if (stream != null) {
            stream = stream.filter(t -> t._1() % 3 != 0);
          }
        }
      }
      if (stream != null) {
        String name = "output " + s;
        stream.foreachRDD((rdd, time) -> record(run, name, time.milliseconds(), rdd));
      }
    }
    return stages;
  }

  private static void record(long run, String output, long time,
      JavaPairRDD<Integer, Integer> rdd) {
    String records = rdd.collect().stream().map(t -> t._1() + "=" + t._2()).sorted()
        .collect(Collectors.joining(","));
    if (run == currentRun) {
      OUTPUT.put(output + "@" + time, records);
    }
  }

  /** A running sum; a key whose sum reaches a multiple of 11 is removed from the state. */
  private static Optional<Integer> sumUnlessEleven(List<Integer> values, Optional<Integer> state) {
    int sum = state.orElse(0) + values.stream().mapToInt(Integer::intValue).sum();
    return sum % 11 == 0 ? Optional.empty() : Optional.of(sum);
  }

  /** Counts each key's records in its state and emits the count. */
  private static Tuple2<Integer, Integer> count(Integer key, Optional<Integer> value,
      org.apache.spark.streaming.State<Integer> state) {
    int count = (state.exists() ? state.get() : 0) + 1;
    state.update(count);
    return new Tuple2<>(key, count);
  }

  /** Counts completed batches down, noting their times and failed output operations. */
  private static final class CountingListener implements StreamingListener {
    @Override
    public void onBatchCompleted(StreamingListenerBatchCompleted batch) {
      BATCH_TIMES.add(batch.batchInfo().batchTime().milliseconds());
      batches.countDown();
    }

    @Override
    public void onOutputOperationCompleted(
        org.apache.spark.streaming.scheduler.StreamingListenerOutputOperationCompleted op) {
      if (op.outputOperationInfo().failureReason().isDefined()) {
        FAILURES.add(op.outputOperationInfo().failureReason().get());
      }
    }
  }
}
