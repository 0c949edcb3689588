package io.checkpointplus.spark.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the plugin's file manager is set, and that it never outlives the plugin: a Spark
 * Streaming checkpoint saves the SparkConf and restores it into the next run, with or without
 * the plugin.
 */
class QueryCheckpointActivationTest {
  private static final String SPARK_KEY = "spark.sql.streaming.checkpointFileManagerClass";
  private static final String WRAPPED_KEY =
      "spark.checkpointplus.sql.wrappedCheckpointFileManagerClass";

  @TempDir
  Path tmp;

  /** The adapter for the running Spark line. */
  static String adapter() {
    try {
      Class.forName("org.apache.spark.sql.execution.streaming.checkpointing.CheckpointFileManager");
      return "io.checkpointplus.spark.structured.api41.QueryCheckpointFileManager";
    } catch (ClassNotFoundException before41) {
      return "io.checkpointplus.spark.structured.api34.QueryCheckpointFileManager";
    }
  }

  @Test
  void theManagerIsSetOutsideTheSparkConfThatStreamingCheckpointsSave() {
    SparkContext sc = LocalSpark.withPlugin(tmp.resolve("audit.jsonl"), Map.of());
    try {
      assertFalse(sc.conf().contains(SPARK_KEY), sc.conf().get(SPARK_KEY, ""));
      assertFalse(sc.conf().contains(WRAPPED_KEY));
      assertEquals(adapter(), sc.hadoopConfiguration().get(SPARK_KEY));
    } finally {
      LocalSpark.stop(sc);
    }
  }

  @Test
  void aRestoredConfigurationNamingTheManagerGetsSparksBackWhenThePluginIsOff() throws Exception {
    Map<String, String> restored = Map.of(SPARK_KEY, adapter(),
        "spark.checkpointplus.enabled", "false");
    SparkContext sc = LocalSpark.withPlugin(tmp.resolve("audit.jsonl"), restored);
    try {
      assertFalse(sc.conf().contains(SPARK_KEY), sc.conf().get(SPARK_KEY, ""));
    } finally {
      LocalSpark.stop(sc);
    }
  }

  @Test
  void aRestoredWrappedManagerIsGivenBackWhenTheSqlSwitchIsOff() throws Exception {
    String theirs = "org.example.TheirManager";
    SparkContext sc = LocalSpark.withPlugin(tmp.resolve("audit.jsonl"), Map.of(
        SPARK_KEY, adapter(), WRAPPED_KEY, theirs, "spark.checkpointplus.sql.enabled", "false"));
    try {
      assertEquals(theirs, sc.conf().get(SPARK_KEY));
      assertFalse(sc.conf().contains(WRAPPED_KEY));
    } finally {
      LocalSpark.stop(sc);
    }
  }

  @Test
  void withTheSqlSwitchOffAQueryGetsNoRecords() throws Exception {
    Path location = tmp.resolve("location");
    StatefulQuery.addInput(tmp.resolve("in"), "a.txt", "x");
    StatefulQuery.runOnce(true, tmp.resolve("audit.jsonl"), tmp.resolve("in"), location,
        Map.of("spark.checkpointplus.sql.enabled", "false"));
    assertTrue(java.nio.file.Files.exists(location.resolve("commits/0")));
    assertEquals(List.of(), QueryCheckpointIntegrityTest.recordedFiles(location));
  }
}
