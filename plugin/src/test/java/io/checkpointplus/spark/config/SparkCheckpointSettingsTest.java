package io.checkpointplus.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * Spark's own checkpoint settings as each Spark line reads them: the compression default (on
 * from Spark 4.1) and {@code spark.checkpoint.dir} (read by Spark from 4.0, which the plugin's
 * {@code spark.checkpointplus.dir} must never override).
 */
class SparkCheckpointSettingsTest extends WithLocalSpark {

  @Test
  void compressionFollowsThisSparksOwnDefault() {
    String version = org.apache.spark.package$.MODULE$.SPARK_VERSION();
    boolean sparkDefault = !version.matches("3\\..*|4\\.0\\..*");
    org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf(false);
    assertEquals(sparkDefault, SparkCheckpointSettings.compress(conf),
        "Spark " + version + " compresses checkpoints by default from 4.1 on");
    assertTrue(SparkCheckpointSettings.compress(conf.clone().set("spark.checkpoint.compress",
        "true")));
    assertFalse(SparkCheckpointSettings.compress(conf.clone().set("spark.checkpoint.compress",
        "false")));
  }

  /** Spark 4.0 and later read {@code spark.checkpoint.dir}; Spark 3 ignores the key. */
  private static boolean sparkReadsCheckpointDir() {
    return !org.apache.spark.package$.MODULE$.SPARK_VERSION().startsWith("3.");
  }

  @Test
  void spark4sCheckpointDirWinsOverThePluginsAndSpark3IgnoresIt() throws Exception {
    String spark = tmp.resolve("spark-dir").toString();
    String plugin = tmp.resolve("plugin-dir").toString();
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpoint.dir", spark,
        "spark.checkpointplus.dir", plugin));
    String expected = sparkReadsCheckpointDir() ? "spark-dir" : "plugin-dir";
    assertTrue(sc.getCheckpointDir().get().contains(expected), sc.getCheckpointDir()::get);
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3), 2);
    rdd.checkpoint();
    assertEquals(3, rdd.count());
    assertTrue(rdd.isCheckpointed());
    assertTrue(rdd.getCheckpointFile().get().contains(expected), rdd.getCheckpointFile()::get);
  }

  /**
   * Where stock Spark ignores {@code spark.checkpoint.dir} (Spark 3), so does the plugin: MLlib,
   * GraphX and {@code Dataset.checkpoint} decide by whether a directory is set, so setting one
   * would change what the application does.
   */
  @Test
  void sparkCheckpointDirAloneSetsTheDirectoryExactlyWhereStockSparkDoes() {
    Map<String, String> conf = Map.of("spark.checkpoint.dir", tmp.resolve("spark-dir").toString());
    sc = LocalSpark.stock(conf);
    boolean stockSets = sc.getCheckpointDir().isDefined();
    LocalSpark.stop(sc);
    sc = LocalSpark.withPlugin(audit(), conf);
    assertEquals(sparkReadsCheckpointDir(), stockSets);
    assertEquals(stockSets, sc.getCheckpointDir().isDefined(),
        "with the plugin: " + sc.getCheckpointDir());
  }

  @Test
  void theApplicationsSetCheckpointDirWinsOverBoth() {
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.checkpoint.dir", tmp.resolve("spark-dir").toString(),
        "spark.checkpointplus.dir", tmp.resolve("plugin-dir").toString()));
    sc.setCheckpointDir(tmp.resolve("application-dir").toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3), 2);
    rdd.checkpoint();
    assertEquals(3, rdd.count());
    assertTrue(rdd.getCheckpointFile().get().contains("application-dir"),
        rdd.getCheckpointFile()::get);
  }

  @Test
  void thePluginsDirIsUsedWhenSparksIsUnset() {
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.checkpointplus.dir", tmp.resolve("plugin-dir").toString()));
    assertTrue(sc.getCheckpointDir().get().contains("plugin-dir"), sc.getCheckpointDir()::get);
  }
}
