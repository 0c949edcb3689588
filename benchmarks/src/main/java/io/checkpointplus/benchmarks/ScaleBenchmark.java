package io.checkpointplus.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.files.CheckpointFileManager;
import io.checkpointplus.spark.files.CheckpointManifest;
import io.checkpointplus.spark.files.CommitMode;
import io.checkpointplus.spark.files.VerifyMode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * One checkpoint of many partitions, with and without the plugin: what the plugin adds on the
 * driver (manifest, audit event, verification) must grow linearly with the partitions, never
 * faster. For {@code bench.scale.partitions} (default 10,000) and a tenth of it: an RDD of that
 * many one-record partitions is checkpointed and counted by stock Spark and by the plugin in
 * {@code bench.scale.rounds} (default 3) alternating pairs, each in a new context, medians
 * reported; then the plugin's
 * checkpoint is verified against its manifest by size and by CRC32C, as a job reading it would.
 * Reports per-partition times at both sizes (linear when they agree), the manifest's and audit
 * event's sizes, and the driver's heap after GC. Spark's own cost per task (milliseconds on
 * {@code local[2]}) bounds how many partitions an end-to-end run can take in minutes, so the
 * verification of {@code bench.scale.verifyPartitions} (default 100,000) partitions is measured
 * apart, on a checkpoint directory of that many part files and their manifest. Writes
 * {@code scale.json}.
 */
final class ScaleBenchmark {
  private static final int PARTITIONS = Integer.getInteger("bench.scale.partitions", 10_000);
  private static final int VERIFY_PARTITIONS =
      Integer.getInteger("bench.scale.verifyPartitions", 100_000);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Alternating stock/plugin pairs per size; the medians are reported. */
  private static final int ROUNDS = Integer.getInteger("bench.scale.rounds", 3);

  private ScaleBenchmark() {
  }

  /** One side's checkpoint of {@code partitions} partitions. */
  private record Run(long wallMs, long heapAfterMb, Path dir, long auditLineBytes,
      long checkpointMs) {
  }

  static void run(Path results) throws Exception {
    Path work = Files.createTempDirectory("scale-bench");
    MachineLoad load = MachineLoad.start();
    Map<String, Object> out = Measurements.fields();
    System.out.printf("%nScale: one checkpoint of N one-record partitions, local[2]%n");
    System.out.printf("  %9s %12s %12s %12s %12s %12s %12s%n", "N", "stock ms", "plugin ms",
        "plugin/stock", "verify size", "verify crc", "manifest");
    try {
      int[] sizes = {PARTITIONS / 10, PARTITIONS};
      for (int i = 0; i < sizes.length; i++) {
        int n = sizes[i];
        // ROUNDS alternating pairs (stock first, then plugin first, ...); medians reported
        List<Run> stocks = new ArrayList<>();
        List<Run> plugins = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
          if (round % 2 == 0) {
            stocks.add(checkpoint(work, n, false, round));
            plugins.add(checkpoint(work, n, true, round));
          } else {
            plugins.add(checkpoint(work, n, true, round));
            stocks.add(checkpoint(work, n, false, round));
          }
        }
        Run stock = median(stocks);
        Run plugin = median(plugins);
        out.put("n" + n + "_stock_wall_ms_each", stocks.stream().map(Run::wallMs).toList());
        out.put("n" + n + "_plugin_wall_ms_each", plugins.stream().map(Run::wallMs).toList());
        long verifySize = verify(plugin.dir(), VerifyMode.SIZE);
        long verifyCrc = verify(plugin.dir(), VerifyMode.CHECKSUM);
        long manifestBytes = Files.size(plugin.dir().resolve(CheckpointManifest.FILE_NAME));
        String k = "n" + n + "_";
        out.put(k + "stock_wall_ms", stock.wallMs());
        out.put(k + "plugin_wall_ms", plugin.wallMs());
        out.put(k + "ratio_plugin_vs_stock", Measurements.ratio(plugin.wallMs(), stock.wallMs()));
        out.put(k + "plugin_checkpoint_ms", plugin.checkpointMs());
        out.put(k + "plugin_us_per_partition", 1000.0 * plugin.wallMs() / n);
        out.put(k + "verify_size_ms", verifySize);
        out.put(k + "verify_checksum_ms", verifyCrc);
        out.put(k + "manifest_bytes", manifestBytes);
        out.put(k + "completed_event_bytes", plugin.auditLineBytes());
        out.put(k + "stock_heap_after_gc_mb", stock.heapAfterMb());
        out.put(k + "plugin_heap_after_gc_mb", plugin.heapAfterMb());
        System.out.printf("  %,9d %,12d %,12d %12.3f %,12d %,12d %,12d%n", n, stock.wallMs(),
            plugin.wallMs(), (double) plugin.wallMs() / stock.wallMs(), verifySize, verifyCrc,
            manifestBytes);
      }
      Path big = syntheticCheckpoint(work.resolve("synthetic"), VERIFY_PARTITIONS);
      verify(big, VerifyMode.CHECKSUM); // warms the file system's caches and the JIT
      long size = verify(big, VerifyMode.SIZE);
      long crc = verify(big, VerifyMode.CHECKSUM);
      out.put("verify_n", VERIFY_PARTITIONS);
      out.put("verify_size_ms", size);
      out.put("verify_checksum_ms", crc);
      System.out.printf("  %,9d partitions' manifest verified: by size %,d ms, by CRC32C %,d ms%n",
          VERIFY_PARTITIONS, size, crc);
    } finally {
      deleteRecursively(work);
    }
    MachineLoad.Reading machine = load.stop();
    machine.putInto(out);
    System.out.println("  machine: " + machine.describe());
    Measurements.writeJson(results.resolve("scale.json"), out);
  }

  /** The run of median wall time. */
  private static Run median(List<Run> runs) {
    List<Run> sorted = new ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparingLong(Run::wallMs));
    return sorted.get(sorted.size() / 2);
  }

  private static Run checkpoint(Path work, int n, boolean withPlugin, int round)
      throws IOException {
    String name = (withPlugin ? "plugin-" : "stock-") + n + "-" + round;
    Path audit = work.resolve(name + "-audit.jsonl");
    SparkContext sc = Measurements.context(withPlugin, withPlugin
        ? Map.of("spark.checkpointplus.audit.path", audit.toString()) : Map.of());
    try {
      Path root = work.resolve(name);
      sc.setCheckpointDir(root.toString());
      JavaSparkContext jsc = new JavaSparkContext(sc);
      List<Integer> values = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        values.add(i);
      }
      JavaRDD<Integer> rdd = jsc.parallelize(values, n).map(x -> x + 1);
      rdd.checkpoint();
      long start = System.nanoTime();
      long count = rdd.count();
      long wall = (System.nanoTime() - start) / 1_000_000;
      if (count != n || !rdd.isCheckpointed()) {
        throw new IllegalStateException(name + ": counted " + count + ", checkpointed "
            + rdd.isCheckpointed());
      }
      Path dir = Path.of(java.net.URI.create(rdd.getCheckpointFile().get()));
      System.gc();
      long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
      long lineBytes = 0;
      long checkpointMs = 0;
      if (withPlugin) {
        sc.stop(); // flushes the audit
        for (String line : Files.readAllLines(audit)) {
          JsonNode e = JSON.readTree(line);
          if (e.path("type").asText().equals("checkpoint.completed")) {
            lineBytes = line.length();
            checkpointMs = e.path("durationMs").asLong();
          }
        }
      }
      return new Run(wall, heap, dir, lineBytes, checkpointMs);
    } finally {
      sc.stop();
    }
  }

  /** A checkpoint directory of {@code n} 64-byte part files and the manifest describing them. */
  private static Path syntheticCheckpoint(Path dir, int n) throws IOException {
    Files.createDirectories(dir);
    List<CheckpointManifest.Entry> entries = new ArrayList<>(n);
    byte[] bytes = new byte[64];
    for (int i = 0; i < n; i++) {
      bytes[0] = (byte) i;
      bytes[1] = (byte) (i >> 8);
      String name = CheckpointFileManager.partitionFileName(i);
      Files.write(dir.resolve(name), bytes);
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(bytes);
      entries.add(new CheckpointManifest.Entry(i, name, bytes.length, 1L, crc.getValue()));
    }
    new CheckpointFileManager(new org.apache.hadoop.fs.Path(dir.toUri()),
        new org.apache.hadoop.conf.Configuration(), CommitMode.RENAME).writeManifest(
            new CheckpointManifest(CheckpointManifest.VERSION, "benchmark",
                "org.apache.spark.serializer.JavaSerializer", false, null, entries));
    return dir;
  }

  /** Milliseconds to verify {@code dir} against its manifest, as a reading job would. */
  private static long verify(Path dir, VerifyMode mode) throws IOException {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    long start = System.nanoTime();
    new CheckpointFileManager(new org.apache.hadoop.fs.Path(dir.toUri()), conf,
        CommitMode.RENAME).verify(mode);
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
