package io.checkpointplus.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.Optional;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.streaming.Duration;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.State;
import org.apache.spark.streaming.StateSpec;
import org.apache.spark.streaming.StreamingContext;
import org.apache.spark.streaming.Time;
import org.apache.spark.streaming.api.java.JavaDStream;
import org.apache.spark.streaming.api.java.JavaMapWithStateDStream;
import org.apache.spark.streaming.api.java.JavaPairDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.dstream.InputDStream;
import org.apache.spark.streaming.scheduler.BatchInfo;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import scala.Option;
import scala.Some;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The latency a stateful Spark Streaming job sees, with and without the plugin: the real-time
 * features case, {@code updateStateByKey} over {@value #DEFAULT_EVENTS} records a one-second
 * batch, state checkpointed every {@value #CHECKPOINT_EVERY} batches, {@code local[2]}.
 *
 * <p>After one discarded warm-up run, runs alternate stock, plugin, plugin, stock, ... (the
 * order flips every pair, so neither side always runs on a warmer JVM; use an even number of
 * pairs); each run is a fresh SparkContext and StreamingContext. The
 * first {@code bench.streaming.skip} batches of every run are its warm-up. A batch's figure is
 * Spark's own processing time ({@code BatchInfo.processingDelay}), which contains the state
 * checkpoint job. A batch is a checkpoint batch when its index counted from the stream's zero
 * time is a multiple of {@value #CHECKPOINT_EVERY}, the rule {@code DStream} checkpoints by.
 * Medians and 95th percentiles are taken over all measured batches of a side. Beside each
 * batch's wall time, the CPU time its tasks used; beside each side, the CPU time of its whole runs;
 * and the CPU other processes used meanwhile ({@link MachineLoad}): a run on a loaded machine is
 * flagged. {@code -Dbench.streaming.operator=mapWithState} keeps the state with
 * {@code mapWithState} instead. With {@code -Dbench.streaming.background=true} the plugin's side writes its state
 * checkpoints in the background ({@code spark.checkpointplus.streaming.backgroundWrite}); its
 * checkpoint batches then end before their write does. Writes {@code streaming.json}.
 */
final class StreamingLatencyBenchmark {
  static final int DEFAULT_EVENTS = 150_000;
  static final int CHECKPOINT_EVERY = 5;
  private static final int EVENTS = Integer.getInteger("bench.streaming.events", DEFAULT_EVENTS);
  private static final int KEYS = Integer.getInteger("bench.streaming.keys", 300_000);
  private static final int BATCHES = Integer.getInteger("bench.streaming.batches", 40);
  private static final int SKIP = Integer.getInteger("bench.streaming.skip", 10);
  private static final int PAIRS = Integer.getInteger("bench.streaming.pairs", 4);
  /** The plugin's side with spark.checkpointplus.streaming.backgroundWrite. */
  private static final boolean BACKGROUND = Boolean.getBoolean("bench.streaming.background");
  /** The stateful operator: updateStateByKey (the default) or mapWithState. */
  private static final String OPERATOR =
      System.getProperty("bench.streaming.operator", "updateStateByKey");
  private static final long BATCH_MS = 1000;
  private static final int PARTITIONS = 4;

  private StreamingLatencyBenchmark() {
  }

  /**
   * Processing times (ms) of one side, split by whether the batch wrote the state, with the CPU
   * time (ms) its tasks used beside each, and the CPU time of its whole runs (driver included).
   */
  private static final class Side {
    final List<Long> checkpointBatches = new ArrayList<>();
    final List<Long> otherBatches = new ArrayList<>();
    final List<Long> checkpointBatchesCpu = new ArrayList<>();
    final List<Long> otherBatchesCpu = new ArrayList<>();
    long processCpuMs;
    long wallMs;
  }

  static void run(Path results) throws Exception {
    Path work = Files.createTempDirectory("streaming-bench");
    Side stock = new Side();
    Side plugin = new Side();
    MachineLoad load = MachineLoad.start();
    try {
      // A discarded run warms the JVM up; then ABBA order (stock-plugin, plugin-stock, ...),
      // so neither side always runs first.
      runOnce(work, false, -1, new Side());
      for (int pair = 0; pair < PAIRS; pair++) {
        boolean pluginFirst = pair % 2 == 1;
        runOnce(work, pluginFirst, pair, pluginFirst ? plugin : stock);
        runOnce(work, !pluginFirst, pair, pluginFirst ? stock : plugin);
      }
    } finally {
      deleteRecursively(work);
    }
    MachineLoad.Reading machine = load.stop();
    Map<String, Object> out = Measurements.fields();
    machine.putInto(out);
    out.put("events_per_batch", EVENTS);
    out.put("keys", KEYS);
    out.put("operator", OPERATOR);
    out.put("batch_ms", BATCH_MS);
    out.put("checkpoint_every_batches", CHECKPOINT_EVERY);
    out.put("runs_per_side", PAIRS);
    out.put("measured_batches_per_run", BATCHES - SKIP);
    put(out, "stock", stock);
    put(out, "plugin", plugin);
    out.put("plugin_background_write", BACKGROUND);
    out.put("ratio_median_checkpoint_batch_plugin_vs_stock",
        Measurements.ratio(median(plugin.checkpointBatches), median(stock.checkpointBatches)));
    out.put("ratio_p95_checkpoint_batch_plugin_vs_stock",
        Measurements.ratio(p95(plugin.checkpointBatches), p95(stock.checkpointBatches)));
    out.put("ratio_median_other_batch_plugin_vs_stock",
        Measurements.ratio(median(plugin.otherBatches), median(stock.otherBatches)));
    out.put("ratio_p95_other_batch_plugin_vs_stock",
        Measurements.ratio(p95(plugin.otherBatches), p95(stock.otherBatches)));
    out.put("ratio_checkpoint_vs_other_batch_stock",
        Measurements.ratio(median(stock.checkpointBatches), median(stock.otherBatches)));
    out.put("ratio_checkpoint_vs_other_batch_plugin",
        Measurements.ratio(median(plugin.checkpointBatches), median(plugin.otherBatches)));
    out.put("ratio_median_checkpoint_batch_cpu_plugin_vs_stock", Measurements.ratio(
        median(plugin.checkpointBatchesCpu), median(stock.checkpointBatchesCpu)));
    out.put("ratio_median_other_batch_cpu_plugin_vs_stock", Measurements.ratio(
        median(plugin.otherBatchesCpu), median(stock.otherBatchesCpu)));
    out.put("ratio_process_cpu_plugin_vs_stock",
        Measurements.ratio(plugin.processCpuMs, stock.processCpuMs));
    Measurements.writeJson(results.resolve("streaming.json"), out);

    System.out.printf("%nStreaming latency: %s, %,d records a %d ms batch, %,d keys,"
        + " state checkpointed every %d batches, local[2]; %d alternating runs a side, %d"
        + " batches each after %d of warm-up; Spark's processing time per batch%n", OPERATOR, EVENTS,
        BATCH_MS, KEYS, CHECKPOINT_EVERY, PAIRS, BATCHES - SKIP, SKIP);
    System.out.printf("  %-32s %10s %10s %10s %10s%n", "", "stock p50", "plugin p50",
        "stock p95", "plugin p95");
    row("checkpoint batches (ms)", stock.checkpointBatches, plugin.checkpointBatches);
    row("  their tasks' CPU (ms)", stock.checkpointBatchesCpu, plugin.checkpointBatchesCpu);
    row("other batches (ms)", stock.otherBatches, plugin.otherBatches);
    row("  their tasks' CPU (ms)", stock.otherBatchesCpu, plugin.otherBatchesCpu);
    System.out.printf("  whole runs: stock %,d ms CPU in %,d ms, plugin %,d ms CPU in %,d ms%n",
        stock.processCpuMs, stock.wallMs, plugin.processCpuMs, plugin.wallMs);
    System.out.println("  machine: " + machine.describe());
    if (!machine.quiet()) {
      System.out.println("  ratios withheld: the machine was not quiet (they are in the JSON,"
          + " with machine_verdict \"loaded\")");
      return;
    }
    System.out.printf("  plugin / stock: checkpoint batches %.3f (p95 %.3f), other batches %.3f"
        + " (p95 %.3f)%n", (double) median(plugin.checkpointBatches)
        / median(stock.checkpointBatches), (double) p95(plugin.checkpointBatches)
        / p95(stock.checkpointBatches), (double) median(plugin.otherBatches)
        / median(stock.otherBatches), (double) p95(plugin.otherBatches) / p95(stock.otherBatches));
    System.out.printf("  checkpoint / other batches: stock %.3f, plugin %.3f%n",
        (double) median(stock.checkpointBatches) / median(stock.otherBatches),
        (double) median(plugin.checkpointBatches) / median(plugin.otherBatches));
  }

  private static void put(Map<String, Object> out, String side, Side s) {
    out.put(side + "_checkpoint_batches", s.checkpointBatches.size());
    out.put(side + "_median_checkpoint_batch_ms", median(s.checkpointBatches));
    out.put(side + "_p95_checkpoint_batch_ms", p95(s.checkpointBatches));
    out.put(side + "_other_batches", s.otherBatches.size());
    out.put(side + "_median_other_batch_ms", median(s.otherBatches));
    out.put(side + "_p95_other_batch_ms", p95(s.otherBatches));
  }

  private static void row(String name, List<Long> stock, List<Long> plugin) {
    System.out.printf("  %-32s %10d %10d %10d %10d%n", name, median(stock), median(plugin),
        p95(stock), p95(plugin));
  }

  /** One streaming run of {@link #BATCHES} batches; adds its measured batches to {@code side}. */
  private static void runOnce(Path work, boolean withPlugin, int pair, Side side)
      throws InterruptedException {
    String name = (withPlugin ? "plugin-" : "stock-") + pair;
    SparkContext sc = Measurements.context(withPlugin, withPlugin
        ? Map.of("spark.checkpointplus.audit.path", work.resolve(name + "-audit.jsonl").toString(),
            "spark.checkpointplus.streaming.backgroundWrite", String.valueOf(BACKGROUND))
        : Map.of());
    JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(sc),
        Durations.milliseconds(BATCH_MS));
    BatchTimes times = new BatchTimes(BATCHES);
    TaskCpuByBatch cpu = new TaskCpuByBatch();
    sc.addSparkListener(cpu);
    long cpuStart = MachineLoad.ownCpuNanos();
    long wallStart = System.nanoTime();
    try {
      ssc.checkpoint(work.resolve(name).toString());
      JavaDStream<Tuple2<Long, Long>> records = new JavaDStream<>(
          new KeyedRecords(ssc.ssc(), EVENTS, KEYS), KeyedRecords.TAG);
      JavaPairDStream<Long, Long> counts = records.mapToPair(t -> t).reduceByKey(Long::sum);
      JavaPairDStream<Long, Long> state;
      if (OPERATOR.equals("mapWithState")) {
        // Its internal state stream is the one checkpointed; the snapshots read all of it.
        JavaMapWithStateDStream<Long, Long, Long, Long> mapped = counts.mapWithState(
            StateSpec.function(StreamingLatencyBenchmark::addToState));
        mapped.checkpoint(Durations.milliseconds(BATCH_MS * CHECKPOINT_EVERY));
        state = mapped.stateSnapshots();
      } else if (OPERATOR.equals("updateStateByKey")) {
        state = counts.updateStateByKey(StreamingLatencyBenchmark::add);
        state.checkpoint(Durations.milliseconds(BATCH_MS * CHECKPOINT_EVERY));
      } else {
        throw new IllegalArgumentException("bench.streaming.operator=" + OPERATOR
            + ": expected updateStateByKey or mapWithState");
      }
      state.foreachRDD(rdd -> {
        rdd.count();
      });
      ssc.addStreamingListener(times);
      ssc.start();
      if (!times.done.await(BATCHES * BATCH_MS * 10 + 60_000, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + ": " + times.batches.size() + " of " + BATCHES
            + " batches completed in time");
      }
    } finally {
      ssc.stop(true, true);
    }
    side.processCpuMs += (MachineLoad.ownCpuNanos() - cpuStart) / 1_000_000;
    side.wallMs += (System.nanoTime() - wallStart) / 1_000_000;
    times.batches.sort(Comparator.comparingLong(b -> b.batchTime().milliseconds()));
    long first = times.batches.get(0).batchTime().milliseconds();
    Duration slide = Durations.milliseconds(BATCH_MS);
    List<Long> otherThisRun = new ArrayList<>();
    for (BatchInfo batch : times.batches.subList(SKIP, BATCHES)) {
      // Index from zero time: the first batch is index 1 (zero time = first batch - slide).
      long index = (batch.batchTime().milliseconds() - first) / slide.milliseconds() + 1;
      long ms = (Long) batch.processingDelay().get();
      long cpuMs = cpu.millis(batch.batchTime().milliseconds());
      if (index % CHECKPOINT_EVERY == 0) {
        side.checkpointBatches.add(ms);
        side.checkpointBatchesCpu.add(cpuMs);
      } else {
        side.otherBatches.add(ms);
        side.otherBatchesCpu.add(cpuMs);
        otherThisRun.add(ms);
      }
    }
    System.out.printf("  run %-9s checkpoint batches %s, other batches median %d ms (this run)%n",
        name, checkpointTimes(times.batches.subList(SKIP, BATCHES), first),
        median(otherThisRun));
  }

  /**
   * The executor CPU time of every task, by the streaming batch its job ran for (the job's
   * {@code spark.streaming.internal.batchTime} property, which the stage carries): the CPU a batch
   * cost beside the wall time it took. Listener events arrive before {@code ssc.stop} returns.
   */
  private static final class TaskCpuByBatch extends SparkListener {
    private final Map<Integer, Long> batchOfStage = new ConcurrentHashMap<>();
    private final Map<Long, Long> cpuNanosOfBatch = new ConcurrentHashMap<>();

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
      String batch = submitted.properties() == null ? null
          : submitted.properties().getProperty("spark.streaming.internal.batchTime");
      if (batch != null) {
        batchOfStage.put(submitted.stageInfo().stageId(), Long.parseLong(batch));
      }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      Long batch = batchOfStage.get(end.stageId());
      if (batch != null && end.taskMetrics() != null) {
        long nanos = end.taskMetrics().executorCpuTime()
            + end.taskMetrics().executorDeserializeCpuTime();
        cpuNanosOfBatch.merge(batch, nanos, Long::sum);
      }
    }

    long millis(long batchTime) {
      return cpuNanosOfBatch.getOrDefault(batchTime, 0L) / 1_000_000;
    }
  }

  private static String checkpointTimes(List<BatchInfo> batches, long first) {
    List<Long> out = new ArrayList<>();
    for (BatchInfo b : batches) {
      if (((b.batchTime().milliseconds() - first) / BATCH_MS + 1) % CHECKPOINT_EVERY == 0) {
        out.add((Long) b.processingDelay().get());
      }
    }
    return out + " ms";
  }

  private static Long addToState(Long key, Optional<Long> count, State<Long> total) {
    long sum = (total.exists() ? total.get() : 0L) + count.orElse(0L);
    total.update(sum);
    return sum;
  }

  private static Optional<Long> add(List<Long> counts, Optional<Long> total) {
    long sum = total.orElse(0L);
    for (long c : counts) {
      sum += c;
    }
    return Optional.of(sum);
  }

  /** Collects completed batches; {@link #done} opens once {@code wanted} have completed. */
  private static final class BatchTimes implements StreamingListener {
    final List<BatchInfo> batches = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch done = new CountDownLatch(1);
    private final int wanted;

    BatchTimes(int wanted) {
      this.wanted = wanted;
    }

    @Override
    public void onBatchCompleted(StreamingListenerBatchCompleted completed) {
      if (batches.size() < wanted) {
        batches.add(completed.batchInfo());
        if (batches.size() == wanted) {
          done.countDown();
        }
      }
    }
  }

  /**
   * {@code events} (key, 1) records a batch over {@code keys} keys, a pure function of the batch
   * time, generated on the executors. Serializable, so metadata checkpointing accepts it.
   */
  static final class KeyedRecords extends InputDStream<Tuple2<Long, Long>> {
    private static final long serialVersionUID = 1L;
    @SuppressWarnings({"unchecked", "rawtypes"})
    static final ClassTag<Tuple2<Long, Long>> TAG = (ClassTag) ClassTag$.MODULE$.apply(
        Tuple2.class);
    private final int events;
    private final int keys;

    KeyedRecords(StreamingContext ssc, int events, int keys) {
      super(ssc, TAG);
      this.events = events;
      this.keys = keys;
    }

    @Override
    public void start() {
    }

    @Override
    public void stop() {
    }

    @Override
    public Option<RDD<Tuple2<Long, Long>>> compute(Time validTime) {
      long seed = validTime.milliseconds() / BATCH_MS;
      int keySpace = keys;
      RDD<Object> indexes = context().sparkContext().range(0, events, 1, PARTITIONS);
      return new Some<>(JavaRDD.fromRDD(indexes, ClassTag$.MODULE$.apply(Object.class))
          .map(i -> new Tuple2<>(Math.floorMod((Long) i * 7919L + seed * 104_729L,
              (long) keySpace), 1L))
          .rdd());
    }
  }

  private static long median(List<Long> values) {
    return percentile(values, 0.5);
  }

  private static long p95(List<Long> values) {
    return percentile(values, 0.95);
  }

  /** The nearest-rank percentile. */
  private static long percentile(List<Long> values, double p) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  private static void deleteRecursively(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
