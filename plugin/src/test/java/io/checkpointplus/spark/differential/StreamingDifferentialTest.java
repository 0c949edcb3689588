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
 * ({@code spark.checkpointplus.streaming.backgroundWrite}) as without the plugin. The next
 * batches read each state while its write is in flight and while its lineage is truncated.
 *
 * <p>System properties: {@code differential.streamingPrograms} (default 6) and
 * {@code differential.streamingSeed} (first seed, default 1; programs use consecutive seeds).
 */
class StreamingDifferentialTest {
  private static final long BATCH_MS = 250;
  /** Batches with input; the windows' last batches follow, without. */
  private static final int INPUT_BATCHES = 10;
  private static final int COMPARED_BATCHES = INPUT_BATCHES + 2;

  /** Each output's records, by output and batch time; static: output functions are serialized. */
  private static final Map<String, String> OUTPUT = new ConcurrentHashMap<>();
  private static volatile CountDownLatch batches;

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
        stock.put(seed, run(sc, seed, tmp.resolve("stock-" + seed)));
      }
    } finally {
      LocalSpark.stop(sc);
    }
    sc = LocalSpark.withPlugin(audit,
        Map.of("spark.checkpointplus.streaming.backgroundWrite", "true"));
    try {
      for (long seed = first; seed < first + count; seed++) {
        Map<String, String> plugin = run(sc, seed, tmp.resolve("plugin-" + seed));
        assertEquals(stock.get(seed), plugin, "program " + seed + " (" + describe(seed)
            + "): every batch's output equals stock Spark's");
      }
    } finally {
      LocalSpark.stop(sc);
    }
    long background = LocalSpark.events(audit, "checkpoint.completed").stream()
        .filter(e -> e.path("background").asBoolean()).count();
    long truncated = LocalSpark.events(audit, "checkpoint.truncated").size();
    assertTrue(background >= count, "state checkpoints were written in the background: "
        + background + " for " + count + " programs");
    assertTrue(truncated >= 1, "a background checkpoint became the state's while batches ran");
  }

  /**
   * Runs program {@code seed} on {@code sc} for {@value #COMPARED_BATCHES} batches; returns each
   * output's records by output and batch index.
   */
  private static Map<String, String> run(SparkContext sc, long seed, Path checkpoint)
      throws InterruptedException {
    OUTPUT.clear();
    batches = new CountDownLatch(COMPARED_BATCHES);
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaStreamingContext ssc = new JavaStreamingContext(jsc, new Duration(BATCH_MS));
    try {
      ssc.checkpoint(checkpoint.toString());
      build(new Random(seed), jsc, ssc, new StringBuilder());
      ssc.addStreamingListener(new CountingListener());
      ssc.start();
      assertTrue(batches.await(180, TimeUnit.SECONDS), COMPARED_BATCHES + " batches of program "
          + seed + " within 180 s");
    } finally {
      ssc.stop(false, false);
    }
    // Batch times differ between runs; their order does not.
    List<Long> times = OUTPUT.keySet().stream().map(k -> Long.parseLong(k.split("@")[1]))
        .distinct().sorted().collect(Collectors.toList());
    Map<String, String> byIndex = new TreeMap<>();
    OUTPUT.forEach((key, records) -> {
      String[] parts = key.split("@");
      int index = times.indexOf(Long.parseLong(parts[1]));
      if (index < COMPARED_BATCHES) {
        byIndex.put(parts[0] + " batch " + index, records);
      }
    });
    return byIndex;
  }

  private static String describe(long seed) {
    StringBuilder shape = new StringBuilder();
    build(new Random(seed), null, null, shape);
    return shape.toString();
  }

  /**
   * The program the random numbers give: input of random keys and partitions, one to three
   * stages, at least one of them stateful, each stage's stream an output. With no context, only
   * describes it.
   */
  private static void build(Random random, JavaSparkContext jsc, JavaStreamingContext ssc,
      StringBuilder shape) {
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
    int stages = 1 + random.nextInt(3);
    int stateful = random.nextInt(stages);
    for (int s = 0; s < stages; s++) {
      int kind = s == stateful ? random.nextInt(3) : random.nextInt(7);
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
        stream.foreachRDD((rdd, time) -> record(name, time.milliseconds(), rdd));
      }
    }
  }

  private static void record(String output, long time, JavaPairRDD<Integer, Integer> rdd) {
    OUTPUT.put(output + "@" + time, rdd.collect().stream().map(t -> t._1() + "=" + t._2())
        .sorted().collect(Collectors.joining(",")));
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

  /** Counts completed batches down. */
  private static final class CountingListener implements StreamingListener {
    @Override
    public void onBatchCompleted(StreamingListenerBatchCompleted batch) {
      batches.countDown();
    }
  }
}
