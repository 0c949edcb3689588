package io.checkpointplus.benchmarks;

import io.checkpointplus.spark.audit.AuditLog;
import io.checkpointplus.spark.checkpoint.CheckpointWriter;
import io.checkpointplus.spark.checkpoint.ReuseLedger;
import io.checkpointplus.spark.files.CheckpointVerifier;
import io.checkpointplus.spark.files.CommitMode;
import io.checkpointplus.spark.files.RetentionSweeper;
import io.checkpointplus.spark.files.VerifyMode;
import io.checkpointplus.spark.interception.JobSubmissionInterceptor;
import io.checkpointplus.spark.policy.AncestorPolicy;
import io.checkpointplus.spark.policy.CheckpointPlanner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * The cost of the interception walk on jobs that do not checkpoint: the same small jobs, over a
 * shallow and a deep lineage, on stock Spark and with the plugin (two rounds, stock then plugin,
 * the second round reported so both run on a warm JVM); and the walk alone, timed directly.
 * Writes {@code interception.json}.
 */
final class InterceptionBenchmark {
  private static final int JOBS = 300;
  private static final int DEEP = 200;
  private static final int WALKS = 20_000;

  private InterceptionBenchmark() {
  }

  static void run(Path results) throws Exception {
    long[] stock = null;
    long[] plugin = null;
    for (int round = 0; round < 2; round++) {
      stock = measure(false);
      plugin = measure(true);
    }
    long[] walk = walkNanos();
    Map<String, Object> out = Measurements.fields();
    out.put("jobs_per_sample", JOBS);
    out.put("deep_lineage_rdds", DEEP);
    out.put("stock_shallow_job_us", stock[0] / 1000);
    out.put("plugin_shallow_job_us", plugin[0] / 1000);
    out.put("shallow_ratio", Measurements.ratio(plugin[0], stock[0]));
    out.put("stock_deep_job_us", stock[1] / 1000);
    out.put("plugin_deep_job_us", plugin[1] / 1000);
    out.put("deep_ratio", Measurements.ratio(plugin[1], stock[1]));
    out.put("walk_shallow_ns", walk[0]);
    out.put("walk_deep_ns", walk[1]);
    Measurements.writeJson(results.resolve("interception.json"), out);
    System.out.printf("%nInterception, per job without checkpointing (median of 5 x %d jobs,"
        + " local[2], warm JVM)%n", JOBS);
    System.out.printf("  %-30s %10s %10s %8s %12s%n", "job", "stock us", "plugin us", "ratio",
        "walk alone");
    System.out.printf("  %-30s %10d %10d %8.3f %9.1f us%n", "count(), lineage of 2 RDDs",
        stock[0] / 1000, plugin[0] / 1000, (double) plugin[0] / stock[0], walk[0] / 1000.0);
    System.out.printf("  %-30s %10d %10d %8.3f %9.1f us%n", "count(), lineage of " + DEEP
        + " RDDs", stock[1] / 1000, plugin[1] / 1000, (double) plugin[1] / stock[1],
        walk[1] / 1000.0);
  }

  private static JavaRDD<Integer> lineage(JavaSparkContext jsc, int rdds) {
    List<Integer> data = IntStream.range(0, 1000).boxed().collect(Collectors.toList());
    JavaRDD<Integer> rdd = jsc.parallelize(data, 2);
    for (int i = 1; i < rdds; i++) {
      rdd = rdd.map(x -> x + 1);
    }
    return rdd;
  }

  /** Median time of one job, {shallow, deep}. */
  private static long[] measure(boolean plugin) {
    SparkContext sc = Measurements.context(plugin, Map.of());
    try {
      JavaSparkContext jsc = new JavaSparkContext(sc);
      return new long[] {perJob(lineage(jsc, 2)), perJob(lineage(jsc, DEEP))};
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

  /** The plugin's walk alone, as run at every job submission, {shallow, deep} in ns. */
  private static long[] walkNanos() {
    SparkContext sc = Measurements.context(false, Map.of());
    try {
      JavaSparkContext jsc = new JavaSparkContext(sc);
      AuditLog audit = new AuditLog(sc.applicationId(), 10_000);
      ReuseLedger reuse = new ReuseLedger(true, StorageLevel.MEMORY_AND_DISK(), true);
      RetentionSweeper noRetention = new RetentionSweeper(false, 0, 0, false, false, audit);
      JobSubmissionInterceptor interceptor = new JobSubmissionInterceptor(
          new CheckpointWriter(audit, CommitMode.AUTO, noRetention), reuse,
          new CheckpointPlanner(AncestorPolicy.MARKED, false, audit),
          new CheckpointVerifier(VerifyMode.SIZE, noRetention, audit), 100);
      long[] out = new long[2];
      int i = 0;
      for (JavaRDD<Integer> rdd : List.of(lineage(jsc, 2), lineage(jsc, DEEP))) {
        out[i++] = Measurements.medianNanos(2, 5, () -> {
          long start = System.nanoTime();
          for (int w = 0; w < WALKS; w++) {
            interceptor.afterJob(interceptor.beforeJob(rdd.rdd(), new Properties(), true));
          }
          return (System.nanoTime() - start) / WALKS;
        });
      }
      return out;
    } finally {
      sc.stop();
    }
  }
}
