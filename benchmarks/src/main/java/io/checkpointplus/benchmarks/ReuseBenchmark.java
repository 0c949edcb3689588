package io.checkpointplus.benchmarks;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.util.LongAccumulator;
import scala.reflect.ClassTag$;

/**
 * SPARK-8582 measured: a few million records through a deliberately CPU-heavy map on
 * {@code local[2]}, then
 * <ul>
 *   <li>A: stock Spark, the action alone;</li>
 *   <li>B: stock Spark, {@code checkpoint()} and the action;</li>
 *   <li>C: the plugin, {@code checkpoint()} and the action.</li>
 * </ul>
 * Medians after a warm-up; records computed counted with an accumulator. Also the checkpoint's
 * write throughput beside the raw speed of writing the same bytes to the same disk. Writes
 * {@code reuse.json}.
 */
final class ReuseBenchmark {
  private static final long RECORDS = Long.getLong("bench.records", 2_000_000L);
  private static final int PARTITIONS = 4;
  private static final int WORK = Integer.getInteger("bench.work", 1500);
  private static final int WARMUPS = 1;
  private static final int REPS = Integer.getInteger("bench.reps", 3);
  private static final Pattern FIELD = Pattern.compile("\"(bytes|durationMs)\":(\\d+)");

  private ReuseBenchmark() {
  }

  /** One timed action and what it left behind. */
  private record Sample(long nanos, long computed) {
  }

  static void run(Path results) throws Exception {
    Path work = Files.createTempDirectory("reuse-bench");
    Path audit = work.resolve("audit.jsonl");
    try {
      long a;
      long b;
      long computedStock;
      long stockBytes;
      SparkContext stock = Measurements.context(false, Map.of());
      try {
        stock.setCheckpointDir(work.resolve("stock-cp").toString());
        a = Measurements.medianNanos(WARMUPS, REPS, () -> action(stock, false).nanos());
        b = Measurements.medianNanos(WARMUPS, REPS, () -> action(stock, true).nanos());
        computedStock = action(stock, true).computed();
        stockBytes = lastCheckpointBytes(work.resolve("stock-cp"));
      } finally {
        stock.stop();
      }
      long c;
      long computedPlugin;
      SparkContext plugin = Measurements.context(true,
          Map.of("spark.checkpointplus.audit.path", audit.toString()));
      try {
        plugin.setCheckpointDir(work.resolve("plugin-cp").toString());
        c = Measurements.medianNanos(WARMUPS, REPS, () -> action(plugin, true).nanos());
        computedPlugin = action(plugin, true).computed();
      } finally {
        plugin.stop();
      }
      long[] lastWrite = lastCompleted(audit);
      long pluginBytes = lastWrite[0];
      double pluginMbPerS = pluginBytes / 1e6 / Math.max(1, lastWrite[1]) * 1000;
      double rawMbPerS = rawWriteMbPerS(work, pluginBytes);

      Map<String, Object> out = Measurements.fields();
      out.put("records", RECORDS);
      out.put("partitions", PARTITIONS);
      out.put("repetitions", REPS);
      out.put("stock_no_checkpoint_ms", a / 1_000_000);
      out.put("stock_checkpoint_ms", b / 1_000_000);
      out.put("plugin_checkpoint_ms", c / 1_000_000);
      out.put("ratio_stock_checkpoint_vs_no_checkpoint", Measurements.ratio(b, a));
      out.put("ratio_plugin_checkpoint_vs_no_checkpoint", Measurements.ratio(c, a));
      out.put("computed_records_stock", computedStock);
      out.put("computed_records_plugin", computedPlugin);
      out.put("checkpoint_bytes_stock", stockBytes);
      out.put("checkpoint_bytes_plugin", pluginBytes);
      out.put("plugin_checkpoint_write_mb_per_s", Math.round(pluginMbPerS * 10) / 10.0);
      out.put("raw_disk_write_mb_per_s", Math.round(rawMbPerS * 10) / 10.0);
      Measurements.writeJson(results.resolve("reuse.json"), out);

      System.out.printf("%nReuse (SPARK-8582): %,d records, CPU-heavy map, local[2], median of %d%n",
          RECORDS, REPS);
      System.out.printf("  %-40s %8s %8s %14s%n", "run", "ms", "x A", "records computed");
      System.out.printf("  %-40s %8d %8.2f %14s%n", "A stock, no checkpoint", a / 1_000_000, 1.0,
          "");
      System.out.printf("  %-40s %8d %8.2f %,14d%n", "B stock, checkpoint() + action",
          b / 1_000_000, (double) b / a, computedStock);
      System.out.printf("  %-40s %8d %8.2f %,14d%n", "C plugin, checkpoint() + action",
          c / 1_000_000, (double) c / a, computedPlugin);
      System.out.printf("  checkpoint write: %,d bytes at %.1f MB/s (raw disk write of the same"
          + " bytes: %.1f MB/s)%n", pluginBytes, pluginMbPerS, rawMbPerS);
    } finally {
      deleteRecursively(work);
    }
  }

  /** Builds a fresh RDD, optionally marks it, runs count() and times it. */
  private static Sample action(SparkContext sc, boolean checkpoint) {
    LongAccumulator computed = sc.longAccumulator();
    JavaRDD<Object> source = JavaRDD.fromRDD(sc.range(0, RECORDS, 1, PARTITIONS),
        ClassTag$.MODULE$.apply(Object.class));
    JavaRDD<Long> heavy = source.map(x -> {
      computed.add(1);
      return cpuHeavy((Long) x);
    });
    if (checkpoint) {
      heavy.checkpoint();
    }
    long start = System.nanoTime();
    long n = heavy.count();
    long nanos = System.nanoTime() - start;
    if (n != RECORDS) {
      throw new IllegalStateException("counted " + n);
    }
    return new Sample(nanos, computed.value());
  }

  /** Arithmetic per record ({@code bench.work} rounds), so computing twice is visible. */
  static long cpuHeavy(long x) {
    long h = x;
    for (int i = 0; i < WORK; i++) {
      h = h * 6364136223846793005L + 1442695040888963407L;
      h ^= h >>> 29;
    }
    return h;
  }

  private static long lastCheckpointBytes(Path root) throws IOException {
    try (var walk = Files.walk(root)) {
      List<Path> rddDirs = walk.filter(p -> p.getFileName().toString().startsWith("rdd-"))
          .sorted(Comparator.comparing(p -> Integer.parseInt(p.getFileName().toString()
              .substring(4)))).toList();
      try (var parts = Files.list(rddDirs.get(rddDirs.size() - 1))) {
        return parts.filter(p -> p.getFileName().toString().startsWith("part-"))
            .mapToLong(p -> p.toFile().length()).sum();
      }
    }
  }

  /** {bytes, durationMs} of the last checkpoint.completed event. */
  private static long[] lastCompleted(Path audit) throws IOException {
    List<String> completed = Files.readAllLines(audit).stream()
        .filter(l -> l.contains("\"checkpoint.completed\"")).toList();
    Matcher m = FIELD.matcher(completed.get(completed.size() - 1));
    long[] out = new long[2];
    while (m.find()) {
      out[m.group(1).equals("bytes") ? 0 : 1] = Long.parseLong(m.group(2));
    }
    return out;
  }

  private static double rawWriteMbPerS(Path dir, long bytes) throws IOException {
    Path file = dir.resolve("raw-write.bin");
    byte[] chunk = new byte[64 * 1024];
    long start = System.nanoTime();
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024)) {
      for (long written = 0; written < bytes; written += chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, bytes - written));
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Files.delete(file);
    return bytes / 1e6 / seconds;
  }

  private static void deleteRecursively(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
