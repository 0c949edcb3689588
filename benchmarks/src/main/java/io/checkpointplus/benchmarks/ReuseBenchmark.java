package io.checkpointplus.benchmarks;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import scala.reflect.ClassTag$;

/**
 * SPARK-8582 measured: a few million records through a deliberately CPU-heavy map on
 * {@code local[2]}, then
 * <ul>
 *   <li>A: stock Spark, the action alone;</li>
 *   <li>B: stock Spark, {@code checkpoint()} and the action;</li>
 *   <li>D: stock Spark, Spark's own advice done by hand: {@code persist()} (in memory),
 *       {@code checkpoint()}, the action;</li>
 *   <li>C: the plugin, {@code checkpoint()} and the action;</li>
 *   <li>E: the plugin with {@code spark.checkpointplus.rdd.backgroundWrite}, Spark's advice
 *       ({@code persist()}, {@code checkpoint()}, the action): until the action returns, and
 *       until the RDD is checkpointed (trivial jobs every 5 ms publish the write once done).</li>
 * </ul>
 * Stock and plugin contexts alternate round by round; medians after a warm-up round; records computed counted with an accumulator. Also the checkpoint's
 * write throughput beside the raw speed of writing the same bytes to the same disk. Writes
 * {@code reuse.json}.
 */
final class ReuseBenchmark {
  private static final long RECORDS = Long.getLong("bench.records", 2_000_000L);
  private static final int PARTITIONS = 4;
  private static final int WORK = Integer.getInteger("bench.work", 1500);
  private static final int WARMUPS = 1;
  private static final int REPS = Integer.getInteger("bench.reps", 5);

  private ReuseBenchmark() {
  }

  /** One timed action and what it left behind. */
  private record Sample(long nanos, long computed, long checkpointedNanos) {
    Sample(long nanos, long computed) {
      this(nanos, computed, nanos);
    }
  }

  static void run(Path results) throws Exception {
    Path work = Files.createTempDirectory("reuse-bench");
    Path audit = work.resolve("audit.jsonl");
    try {
      // Contexts alternate, stock then plugin, plugin then stock, ...: one SparkContext per JVM
      // at a time, and neither side always runs on the warmer JVM. The first round warms up.
      List<Long> a = new ArrayList<>();
      List<Long> b = new ArrayList<>();
      List<Long> d = new ArrayList<>();
      List<Long> c = new ArrayList<>();
      List<Long> e = new ArrayList<>();
      List<Long> eCheckpointed = new ArrayList<>();
      long computedStock = 0;
      long computedManual = 0;
      long computedPlugin = 0;
      long stockBytes = 0;
      for (int round = 0; round < WARMUPS + REPS; round++) {
        boolean measured = round >= WARMUPS;
        for (boolean plugin : round % 2 == 0 ? new boolean[] {false, true}
            : new boolean[] {true, false}) {
          if (!plugin) {
            SparkContext stock = Measurements.context(false, Map.of());
            try {
              stock.setCheckpointDir(work.resolve("stock-cp").toString());
              action(stock, Mode.NONE); // warm-up: every timed action runs in a warm context
              Sample bare = action(stock, Mode.NONE);
              Sample checkpoint = action(stock, Mode.CHECKPOINT);
              Sample manual = action(stock, Mode.PERSIST_THEN_CHECKPOINT);
              if (measured) {
                a.add(bare.nanos());
                b.add(checkpoint.nanos());
                d.add(manual.nanos());
                computedStock = checkpoint.computed();
                computedManual = manual.computed();
              }
              stockBytes = lastCheckpointBytes(work.resolve("stock-cp"));
            } finally {
              stock.stop();
            }
          } else {
            SparkContext withPlugin = Measurements.context(true,
                Map.of("spark.checkpointplus.audit.path", audit.toString()));
            try {
              withPlugin.setCheckpointDir(work.resolve("plugin-cp").toString());
              action(withPlugin, Mode.NONE); // the same warm-up as the stock context's
              Sample checkpoint = action(withPlugin, Mode.CHECKPOINT);
              if (measured) {
                c.add(checkpoint.nanos());
                computedPlugin = checkpoint.computed();
              }
            } finally {
              withPlugin.stop();
            }
            SparkContext background = Measurements.context(true, Map.of(
                "spark.checkpointplus.audit.path", audit.toString() + ".background",
                "spark.checkpointplus.rdd.backgroundWrite", "true"));
            try {
              background.setCheckpointDir(work.resolve("background-cp").toString());
              action(background, Mode.NONE);
              Sample advice = action(background, Mode.PERSIST_THEN_CHECKPOINT_IN_BACKGROUND);
              if (measured) {
                e.add(advice.nanos());
                eCheckpointed.add(advice.checkpointedNanos());
              }
            } finally {
              background.stop();
            }
          }
        }
      }
      long aMedian = median(a);
      long bMedian = median(b);
      long cMedian = median(c);
      long dMedian = median(d);
      long eMedian = median(e);
      long eCheckpointedMedian = median(eCheckpointed);
      long[] lastWrite = lastCompleted(audit);
      long pluginBytes = lastWrite[0];
      double pluginMbPerS = pluginBytes / 1e6 / Math.max(1, lastWrite[1]) * 1000;
      double rawMbPerS = rawWriteMbPerS(work, pluginBytes);

      Map<String, Object> out = Measurements.fields();
      out.put("records", RECORDS);
      out.put("partitions", PARTITIONS);
      out.put("repetitions", REPS);
      out.put("stock_no_checkpoint_ms", aMedian / 1_000_000);
      out.put("stock_checkpoint_ms", bMedian / 1_000_000);
      out.put("stock_persist_then_checkpoint_ms", dMedian / 1_000_000);
      out.put("plugin_checkpoint_ms", cMedian / 1_000_000);
      out.put("ratio_stock_checkpoint_vs_no_checkpoint", Measurements.ratio(bMedian, aMedian));
      out.put("ratio_persist_then_checkpoint_vs_no_checkpoint",
          Measurements.ratio(dMedian, aMedian));
      out.put("ratio_plugin_checkpoint_vs_no_checkpoint", Measurements.ratio(cMedian, aMedian));
      out.put("ratio_plugin_vs_persist_then_checkpoint", Measurements.ratio(cMedian, dMedian));
      out.put("plugin_background_action_ms", eMedian / 1_000_000);
      out.put("plugin_background_checkpointed_ms", eCheckpointedMedian / 1_000_000);
      out.put("ratio_plugin_background_action_vs_persist_then_checkpoint",
          Measurements.ratio(eMedian, dMedian));
      out.put("ratio_plugin_background_checkpointed_vs_persist_then_checkpoint",
          Measurements.ratio(eCheckpointedMedian, dMedian));
      out.put("computed_records_stock", computedStock);
      out.put("computed_records_persist_then_checkpoint", computedManual);
      out.put("computed_records_plugin", computedPlugin);
      out.put("checkpoint_bytes_stock", stockBytes);
      out.put("checkpoint_bytes_plugin", pluginBytes);
      out.put("plugin_checkpoint_write_mb_per_s", Math.round(pluginMbPerS * 10) / 10.0);
      out.put("raw_disk_write_mb_per_s", Math.round(rawMbPerS * 10) / 10.0);
      Measurements.writeJson(results.resolve("reuse.json"), out);

      System.out.printf("%nReuse (SPARK-8582): %,d records, CPU-heavy map, local[2], median of %d"
          + " alternating rounds%n", RECORDS, REPS);
      System.out.printf("  %-52s %8s %8s %8s %14s%n", "run", "ms", "x A", "x D",
          "records computed");
      row("A stock, no checkpoint", aMedian, aMedian, dMedian, "");
      row("B stock, checkpoint() + action", bMedian, aMedian, dMedian,
          String.format("%,d", computedStock));
      row("D stock, persist() + checkpoint() + action (by hand)", dMedian, aMedian, dMedian,
          String.format("%,d", computedManual));
      row("C plugin, checkpoint() + action", cMedian, aMedian, dMedian,
          String.format("%,d", computedPlugin));
      row("E plugin, background: persist() + checkpoint() + action", eMedian, aMedian,
          dMedian, "");
      row("E plugin, background: ... until checkpointed", eCheckpointedMedian, aMedian,
          dMedian, "");
      System.out.printf("  checkpoint write: %,d bytes at %.1f MB/s (raw disk write of the same"
          + " bytes: %.1f MB/s)%n", pluginBytes, pluginMbPerS, rawMbPerS);
    } finally {
      deleteRecursively(work);
    }
  }

  private static void row(String name, long nanos, long a, long d, String computed) {
    System.out.printf("  %-52s %8d %8.2f %8.2f %14s%n", name, nanos / 1_000_000,
        (double) nanos / a, (double) nanos / d, computed);
  }

  private static long median(List<Long> samples) {
    List<Long> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  /** What the application does around its action. */
  private enum Mode {
    NONE, CHECKPOINT, PERSIST_THEN_CHECKPOINT, PERSIST_THEN_CHECKPOINT_IN_BACKGROUND
  }

  /** Builds a fresh RDD, marks it as {@code mode} says, runs count() and times it. */
  private static Sample action(SparkContext sc, Mode mode) {
    LongAccumulator computed = sc.longAccumulator();
    JavaRDD<Object> source = JavaRDD.fromRDD(sc.range(0, RECORDS, 1, PARTITIONS),
        ClassTag$.MODULE$.apply(Object.class));
    JavaRDD<Long> heavy = source.map(x -> {
      computed.add(1);
      return cpuHeavy((Long) x);
    });
    boolean persisted = mode == Mode.PERSIST_THEN_CHECKPOINT
        || mode == Mode.PERSIST_THEN_CHECKPOINT_IN_BACKGROUND;
    if (persisted) {
      heavy.persist(StorageLevel.MEMORY_ONLY()); // Spark's advice: "persisted in memory"
    }
    if (mode != Mode.NONE) {
      heavy.checkpoint();
    }
    long start = System.nanoTime();
    long n = heavy.count();
    long nanos = System.nanoTime() - start;
    if (n != RECORDS) {
      throw new IllegalStateException("counted " + n);
    }
    long checkpointedNanos = nanos;
    if (mode == Mode.PERSIST_THEN_CHECKPOINT_IN_BACKGROUND) {
      // A background write becomes the RDD's checkpoint at the next job that starts after it.
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
      while (!heavy.isCheckpointed()) {
        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        jsc.parallelize(java.util.List.of(1), 1).count();
      }
      checkpointedNanos = System.nanoTime() - start;
    }
    if (persisted) {
      heavy.unpersist(true);
    }
    return new Sample(nanos, computed.value(), checkpointedNanos);
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

  /** {bytes, durationMs} of the last checkpoint.completed event (its top-level fields). */
  private static long[] lastCompleted(Path audit) throws IOException {
    List<String> completed = Files.readAllLines(audit).stream()
        .filter(l -> l.contains("\"checkpoint.completed\"")).toList();
    JsonNode event = new ObjectMapper().readTree(completed.get(completed.size() - 1));
    return new long[] {event.get("bytes").asLong(), event.get("durationMs").asLong()};
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
