package io.checkpointplus.benchmarks;

import io.checkpointplus.spark.files.InProcessS3;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;

/**
 * What the plugin costs a Structured Streaming query per micro-batch: a stateful aggregation
 * (file source, one file a batch, {@code groupBy().count()} over {@code bench.query.keys} keys,
 * HDFS-backed state store with {@code bench.query.partitions} partitions, {@code noop} sink) on a
 * local-disk location and on an S3 location (s3proxy in-process, an in-memory store behind a
 * real S3 API and Hadoop's S3A client: what differs is the requests, not the network). Spark
 * keeps the progress of the last 100 batches ({@code spark.sql.streaming.numRecentProgressUpdates}),
 * so {@code bench.query.batches} stays under it.
 *
 * <p>A batch's figure is Spark's own {@code triggerExecution} duration from the query's progress,
 * which contains planning, the offsets write, the batch's job (state files included) and the
 * commit. After one discarded warm-up run per storage, runs alternate stock, plugin, plugin,
 * stock, ...; each run is a fresh SparkContext; each run's first {@code bench.query.skip} batches
 * are its warm-up. Beside each side's median and 95th percentile, the CPU time the JVM used over
 * its runs, the S3 requests per batch, and the CPU other processes used meanwhile
 * ({@link MachineLoad}). Writes {@code query.json}.
 */
final class QueryBatchBenchmark {
  private static final int BATCHES = Integer.getInteger("bench.query.batches", 40);
  private static final int SKIP = Integer.getInteger("bench.query.skip", 5);
  private static final int PAIRS = Integer.getInteger("bench.query.pairs", 4);
  private static final int ROWS = Integer.getInteger("bench.query.rows", 20_000);
  private static final int KEYS = Integer.getInteger("bench.query.keys", 50_000);
  private static final int PARTITIONS = Integer.getInteger("bench.query.partitions", 20);
  private static final String BUCKET = "bench";
  private static final List<String> STORAGES =
      List.of(System.getProperty("bench.query.storages", "local,s3").split(","));

  private QueryBatchBenchmark() {
  }

  /** One side's batch durations (ms), the JVM's CPU time (ms) and S3 requests over its runs. */
  private static final class Side {
    final List<Long> batches = new ArrayList<>();
    /** Spark's own split of the batches' time (addBatch, walCommit, commitOffsets, ...), summed. */
    final Map<String, Long> phasesMs = new java.util.TreeMap<>();
    long cpuMs;
    long requests;
    long measuredBatches;
  }

  static void run(Path results) throws Exception {
    Path work = Files.createTempDirectory("query-bench");
    Path input = work.resolve("in");
    writeInput(input);
    Map<String, Object> out = Measurements.fields();
    MachineLoad load = MachineLoad.start();
    try (InProcessS3 s3 = InProcessS3.start(BUCKET)) {
      for (String storage : STORAGES) {
        Side stock = new Side();
        Side plugin = new Side();
        Map<String, String> settings = storage.equals("s3")
            ? s3.sparkSettings(Map.of()) : Map.of();
        int[] run = {0};
        java.util.function.Supplier<String> location = () -> storage.equals("s3")
            ? "s3a://" + BUCKET + "/run-" + run[0]++ : work.resolve("run-" + run[0]++).toString();
        runOnce(false, input, location.get(), settings, s3, new Side());
        for (int pair = 0; pair < PAIRS; pair++) {
          boolean pluginFirst = pair % 2 == 1;
          runOnce(pluginFirst, input, location.get(), settings, s3, pluginFirst ? plugin : stock);
          runOnce(!pluginFirst, input, location.get(), settings, s3,
              pluginFirst ? stock : plugin);
        }
        put(out, storage, "stock", stock);
        put(out, storage, "plugin", plugin);
        out.put(storage + "_ratio_median_batch_plugin_vs_stock",
            Measurements.ratio(percentile(plugin.batches, 50), percentile(stock.batches, 50)));
        out.put(storage + "_ratio_p95_batch_plugin_vs_stock",
            Measurements.ratio(percentile(plugin.batches, 95), percentile(stock.batches, 95)));
        out.put(storage + "_ratio_cpu_plugin_vs_stock",
            Measurements.ratio(plugin.cpuMs, stock.cpuMs));
      }
    } finally {
      deleteRecursively(work);
    }
    MachineLoad.Reading machine = load.stop();
    machine.putInto(out);
    out.put("rows_per_batch", ROWS);
    out.put("keys", KEYS);
    out.put("state_partitions", PARTITIONS);
    out.put("runs_per_side", PAIRS);
    out.put("measured_batches_per_run", BATCHES - SKIP);
    Measurements.writeJson(results.resolve("query.json"), out);
    System.out.println("\n== Structured Streaming micro-batch (query.json)");
    out.forEach((k, v) -> System.out.println(k + ": " + v));
    System.out.println("Machine: " + machine.describe());
  }

  private static void put(Map<String, Object> out, String storage, String side, Side s) {
    String p = storage + "_" + side + "_";
    out.put(p + "batch_ms_p50", percentile(s.batches, 50));
    out.put(p + "batch_ms_p95", percentile(s.batches, 95));
    out.put(p + "cpu_ms_per_batch", s.measuredBatches == 0 ? 0 : s.cpuMs / s.measuredBatches);
    s.phasesMs.forEach((phase, ms) -> out.put(p + "mean_ms_" + phase,
        s.batches.isEmpty() ? 0 : ms / s.batches.size()));
    if (storage.equals("s3")) {
      out.put(p + "s3_requests_per_batch", s.measuredBatches == 0 ? 0
          : Math.round(10.0 * s.requests / s.measuredBatches) / 10.0);
    }
  }

  /** {@code BATCHES} files of {@code ROWS} numbers each, one newer than the other. */
  private static void writeInput(Path input) throws IOException {
    Files.createDirectories(input);
    java.util.Random random = new java.util.Random(42);
    for (int f = 0; f < BATCHES; f++) {
      Path file = input.resolve(String.format("part-%04d.txt", f));
      Files.writeString(file, LongStream.range(0, ROWS).map(i -> random.nextInt(KEYS))
          .mapToObj(Long::toString).collect(Collectors.joining("\n")));
      Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_000_000L + f * 10_000L));
    }
  }

  private static void runOnce(boolean plugin, Path input, String location,
      Map<String, String> settings, InProcessS3 s3, Side side) throws Exception {
    Map<String, String> conf = new java.util.HashMap<>(settings);
    conf.put("spark.sql.shuffle.partitions", Integer.toString(PARTITIONS));
    SparkContext sc = Measurements.context(plugin, conf);
    try {
      SparkSession spark = SparkSession.builder().sparkContext(sc).getOrCreate();
      long requestsBefore = s3.storeCalls.values().stream()
          .mapToLong(java.util.concurrent.atomic.AtomicLong::get).sum();
      long cpuBefore = ManagementFactory.getPlatformMXBean(
          com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
      StreamingQuery query = spark.readStream().option("maxFilesPerTrigger", 1)
          .text(input.toString()).groupBy("value").count()
          .writeStream().outputMode("update").format("noop")
          .option("checkpointLocation", location).trigger(Trigger.AvailableNow()).start();
      query.awaitTermination();
      long cpuMs = (ManagementFactory.getPlatformMXBean(
          com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime() - cpuBefore)
          / 1_000_000;
      long requests = s3.storeCalls.values().stream()
          .mapToLong(java.util.concurrent.atomic.AtomicLong::get).sum() - requestsBefore;
      // The query's own record of its batches, complete once it has terminated.
      List<StreamingQueryProgress> progress = List.of(query.recentProgress());
      List<StreamingQueryProgress> measured = new ArrayList<>(progress);
      measured.removeIf(p -> p.batchId() < SKIP || p.numInputRows() == 0);
      for (StreamingQueryProgress p : measured) {
        side.batches.add(p.durationMs().get("triggerExecution"));
        p.durationMs().forEach((phase, ms) -> side.phasesMs.merge(phase, ms, Long::sum));
      }
      // CPU and requests of the whole run, spread over its batches (warm-up ones included).
      side.cpuMs += cpuMs * measured.size() / Math.max(1, progress.size());
      side.requests += requests * measured.size() / Math.max(1, progress.size());
      side.measuredBatches += measured.size();
    } finally {
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
      sc.stop();
    }
  }

  private static long percentile(List<Long> values, int p) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
