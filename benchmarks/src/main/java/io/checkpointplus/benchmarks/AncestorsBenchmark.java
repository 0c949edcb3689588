package io.checkpointplus.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import scala.reflect.ClassTag$;

/**
 * Several independent marked branches under one action: stock Spark writes them one after
 * another (computing each twice); the plugin with {@code ancestors.parallelism} 1 and 4. Each
 * branch has one partition, as small streaming state often has, so only concurrent checkpoint
 * jobs can use both cores. Writes {@code ancestors.json}.
 */
final class AncestorsBenchmark {
  private static final int BRANCHES = 4;
  private static final long RECORDS_PER_BRANCH = Long.getLong("bench.branchRecords", 400_000L);
  private static final int REPS = Integer.getInteger("bench.reps", 3);

  private AncestorsBenchmark() {
  }

  static void run(Path results) throws Exception {
    Path work = Files.createTempDirectory("ancestors-bench");
    long stock = measure(false, 1, work.resolve("stock"));
    long p1 = measure(true, 1, work.resolve("p1"));
    long p4 = measure(true, 4, work.resolve("p4"));
    Map<String, Object> out = Measurements.fields();
    out.put("branches", BRANCHES);
    out.put("records_per_branch", RECORDS_PER_BRANCH);
    out.put("stock_ms", stock / 1_000_000);
    out.put("plugin_parallelism_1_ms", p1 / 1_000_000);
    out.put("plugin_parallelism_4_ms", p4 / 1_000_000);
    out.put("ratio_parallelism_1_vs_stock", Measurements.ratio(p1, stock));
    out.put("ratio_parallelism_4_vs_stock", Measurements.ratio(p4, stock));
    out.put("ratio_parallelism_4_vs_1", Measurements.ratio(p4, p1));
    Measurements.writeJson(results.resolve("ancestors.json"), out);
    System.out.printf("%nAncestors: %d independent marked branches of %,d records, one action,"
        + " local[2], median of %d%n", BRANCHES, RECORDS_PER_BRANCH, REPS);
    System.out.printf("  %-34s %8s %8s%n", "run", "ms", "x stock");
    System.out.printf("  %-34s %8d %8.2f%n", "stock Spark", stock / 1_000_000, 1.0);
    System.out.printf("  %-34s %8d %8.2f%n", "plugin, parallelism 1", p1 / 1_000_000,
        (double) p1 / stock);
    System.out.printf("  %-34s %8d %8.2f%n", "plugin, parallelism 4", p4 / 1_000_000,
        (double) p4 / stock);
  }

  private static long measure(boolean plugin, int parallelism, Path checkpoints) {
    SparkContext sc = Measurements.context(plugin, Map.of(
        plugin ? "spark.checkpointplus.ancestors.parallelism" : "spark.ui.enabled",
        plugin ? String.valueOf(parallelism) : "false"));
    try {
      sc.setCheckpointDir(checkpoints.toString());
      return Measurements.medianNanos(1, REPS, () -> {
        JavaRDD<Long> union = null;
        for (int b = 0; b < BRANCHES; b++) {
          JavaRDD<Long> branch = JavaRDD.fromRDD(sc.range(0, RECORDS_PER_BRANCH, 1, 1),
              ClassTag$.MODULE$.apply(Object.class)).map(x -> ReuseBenchmark.cpuHeavy((Long) x));
          branch.checkpoint();
          union = union == null ? branch : union.union(branch);
        }
        long start = System.nanoTime();
        union.count();
        return System.nanoTime() - start;
      });
    } finally {
      sc.stop();
    }
  }
}
