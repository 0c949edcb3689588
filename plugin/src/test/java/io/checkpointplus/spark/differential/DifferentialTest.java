package io.checkpointplus.spark.differential;

import static org.junit.jupiter.api.Assertions.fail;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.differential.DifferentialRunner.Failure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stock Spark is the oracle: every generated program, run with the plugin, gives the same
 * results, errors and storage levels as without it, checkpoints at least what stock Spark
 * checkpoints, leaves nothing behind, and writes checkpoints stock Spark reads back.
 *
 * <p>System properties: {@code differential.programs} (local[2], default 200),
 * {@code differential.clusterPrograms} (local-cluster, default 12), {@code differential.seed}
 * (first seed, default 1; programs use consecutive seeds). Reproduce one program with
 * {@code -Ddifferential.seed=S -Ddifferential.programs=1 -Ddifferential.clusterPrograms=0}.
 * The profile {@code differential-long} runs thousands.
 */
class DifferentialTest {
  /** How many failing programs are printed in full; the seeds of all are listed. */
  private static final int FULL_REPORTS = 12;

  @TempDir
  Path tmp;

  private static final DifferentialRunner.Contexts LOCAL = new DifferentialRunner.Contexts() {
    @Override
    public SparkContext stock(Map<String, String> settings) {
      return LocalSpark.stock(settings);
    }

    @Override
    public SparkContext plugin(Path audit, Map<String, String> settings) {
      return LocalSpark.withPlugin(audit, settings);
    }
  };

  @Test
  void pluginAgreesWithStockSparkOnLocal2() {
    int count = Integer.getInteger("differential.programs", 200);
    long first = Long.getLong("differential.seed", 1L);
    assertNoDifferences(new DifferentialRunner(LOCAL, true, tmp).run(programs(first, count)),
        count, "local[2]");
  }

  @Test
  void pluginAgreesWithStockSparkOnLocalCluster() throws Exception {
    int count = Integer.getInteger("differential.clusterPrograms", 12);
    if (count == 0) {
      return;
    }
    long first = Long.getLong("differential.seed", 1L) + 1_000_000L;
    Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
    DifferentialRunner.Contexts cluster = new DifferentialRunner.Contexts() {
      @Override
      public SparkContext stock(Map<String, String> settings) {
        SparkConf conf = LocalSpark.clusterConf("local-cluster[2,1,1024]", "differential-local-cluster");
        settings.forEach(conf::set);
        return new SparkContext(conf);
      }

      @Override
      public SparkContext plugin(Path audit, Map<String, String> settings) {
        SparkConf conf = LocalSpark.clusterConf("local-cluster[2,1,1024]", "differential-local-cluster").set("spark.plugins", LocalSpark.PLUGIN)
            .set("spark.checkpointplus.audit.path", audit.toString());
        settings.forEach(conf::set);
        return new SparkContext(conf);
      }
    };
    // One configuration per context pair keeps executor start-ups few: Java serialization,
    // then Kryo with registration required, both under the default policy.
    List<Program> programs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      programs.add(ProgramGenerator.generate(first + i, i % 2 == 0
          ? DifferentialConfig.JAVA_COMPRESSED : DifferentialConfig.KRYO_REGISTERED_COMPRESSED));
    }
    assertNoDifferences(new DifferentialRunner(cluster, false, tmp).run(programs), count,
        "local-cluster[2,1,1024]");
  }

  /** The oracle itself is deterministic: stock Spark agrees with stock Spark. */
  @Test
  void stockSparkAgreesWithItself() {
    int count = Integer.getInteger("differential.selfCheckPrograms", 24);
    DifferentialRunner.Contexts twice = new DifferentialRunner.Contexts() {
      @Override
      public SparkContext stock(Map<String, String> settings) {
        return LocalSpark.stock(settings);
      }

      @Override
      public SparkContext plugin(Path audit, Map<String, String> settings) {
        Map<String, String> stockOnly = new java.util.HashMap<>(settings);
        stockOnly.keySet().removeIf(k -> k.startsWith("spark.checkpointplus."));
        return LocalSpark.stock(stockOnly);
      }
    };
    assertNoDifferences(new DifferentialRunner(twice, true, tmp).run(
        programs(Long.getLong("differential.seed", 1L) + 2_000_000L, count)), count,
        "local[2], stock against stock");
  }

  static List<Program> programs(long first, int count) {
    List<Program> programs = new ArrayList<>();
    for (long seed = first; seed < first + count; seed++) {
      programs.add(ProgramGenerator.generate(seed));
    }
    return programs;
  }

  static void assertNoDifferences(List<Failure> failures, int programs, String where) {
    if (failures.isEmpty()) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    sb.append(failures.size()).append(" of ").append(programs).append(" programs on ")
        .append(where).append(" differ from stock Spark; failing seeds by kind of difference:\n");
    Map<String, List<Long>> byKind = new java.util.TreeMap<>();
    for (Failure f : failures) {
      byKind.computeIfAbsent(f.kind(), k -> new ArrayList<>()).add(f.program.seed);
    }
    byKind.forEach((kind, seeds) -> sb.append("  ").append(kind).append(": ").append(seeds)
        .append('\n'));
    sb.append('\n');
    failures.stream().limit(FULL_REPORTS).forEach(f -> sb.append(f.report()).append('\n'));
    String all = failures.stream().map(Failure::report).collect(Collectors.joining("\n"));
    try {
      Path file = Path.of("target", "differential-failures-"
          + where.replaceAll("[^A-Za-z0-9]+", "-") + ".txt");
      Files.writeString(file, sb.substring(0, sb.indexOf("\n\n") + 2) + all);
      sb.append("(every failing program: ").append(file.toAbsolutePath()).append(")\n");
    } catch (java.io.IOException e) {
      sb.append("(could not write the full report: ").append(e).append(")\n");
    }
    fail(sb.toString());
  }
}
