package io.checkpointplus.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.nio.file.Files;
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

  @Test
  void sparksCheckpointDirWinsOverThePluginsOnEveryLine() throws Exception {
    String spark = tmp.resolve("spark-dir").toString();
    String plugin = tmp.resolve("plugin-dir").toString();
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpoint.dir", spark,
        "spark.checkpointplus.dir", plugin));
    assertTrue(sc.getCheckpointDir().get().contains("spark-dir"), sc.getCheckpointDir()::get);
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3), 2);
    rdd.checkpoint();
    assertEquals(3, rdd.count());
    assertTrue(rdd.isCheckpointed());
    assertTrue(rdd.getCheckpointFile().get().contains("spark-dir"), rdd.getCheckpointFile()::get);
    assertFalse(Files.exists(tmp.resolve("plugin-dir")), "the plugin's directory is not created");
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
