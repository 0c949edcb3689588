package io.checkpointplus.benchmarks;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The cost of the interception walk on jobs that do not checkpoint: the same small jobs, over a
 * shallow and a deep lineage, on stock Spark and with the plugin. Writes
 * {@code interception.json}.
 */
final class InterceptionBenchmark {
  private static final int JOBS = 300;
  private static final int DEEP = 200;

  private InterceptionBenchmark() {
  }

  static void run(Path results) throws Exception {
    long[] stock = measure(false);
    long[] plugin = measure(true);
    Map<String, Object> out = Measurements.fields();
    out.put("jobs_per_sample", JOBS);
    out.put("deep_lineage_rdds", DEEP);
    out.put("stock_shallow_job_us", stock[0] / 1000);
    out.put("plugin_shallow_job_us", plugin[0] / 1000);
    out.put("shallow_ratio", Measurements.ratio(plugin[0], stock[0]));
    out.put("stock_deep_job_us", stock[1] / 1000);
    out.put("plugin_deep_job_us", plugin[1] / 1000);
    out.put("deep_ratio", Measurements.ratio(plugin[1], stock[1]));
    Measurements.writeJson(results.resolve("interception.json"), out);
    System.out.printf("%nInterception walk, per job (median of 5 x %d jobs, local[2])%n", JOBS);
    System.out.printf("  %-28s %10s %10s %8s%n", "job", "stock us", "plugin us", "ratio");
    System.out.printf("  %-28s %10d %10d %8.3f%n", "count(), lineage of 2 RDDs", stock[0] / 1000,
        plugin[0] / 1000, (double) plugin[0] / stock[0]);
    System.out.printf("  %-28s %10d %10d %8.3f%n", "count(), lineage of " + DEEP + " RDDs",
        stock[1] / 1000, plugin[1] / 1000, (double) plugin[1] / stock[1]);
  }

  /** Median time of one job, {shallow, deep}. */
  private static long[] measure(boolean plugin) {
    SparkContext sc = Measurements.context(plugin, Map.of());
    try {
      JavaSparkContext jsc = new JavaSparkContext(sc);
      List<Integer> data = IntStream.range(0, 1000).boxed().collect(Collectors.toList());
      JavaRDD<Integer> shallow = jsc.parallelize(data, 2).map(x -> x + 1);
      JavaRDD<Integer> deep = jsc.parallelize(data, 2);
      for (int i = 0; i < DEEP - 1; i++) {
        deep = deep.map(x -> x + 1);
      }
      JavaRDD<Integer> deepFinal = deep;
      return new long[] {perJob(shallow), perJob(deepFinal)};
    } finally {
      sc.stop();
    }
  }

  private static long perJob(JavaRDD<Integer> rdd) {
    return Measurements.medianNanos(2, 5, () -> {
      long start = System.nanoTime();
      for (int i = 0; i < JOBS; i++) {
        rdd.count();
      }
      return (System.nanoTime() - start) / JOBS;
    });
  }
}
