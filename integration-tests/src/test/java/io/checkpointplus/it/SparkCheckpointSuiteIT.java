package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Spark 3.5.9's own {@code org.apache.spark.CheckpointSuite}, with its companions
 * {@code CheckpointStorageSuite} (checkpoint directory, compression, cleaning) and
 * {@code PeriodicRDDCheckpointerSuite} (MLlib's periodic checkpointer), from the published tests
 * jar of spark-core, run by ScalaTest's Runner in a child JVM whose every SparkContext loads the plugin
 * through the {@code spark.plugins} system property. Proves both that the suite passes and that
 * the plugin did the checkpointing (its audit trail).
 */
class SparkCheckpointSuiteIT {
  private static final Pattern SUMMARY = Pattern.compile(
      "Tests: succeeded (\\d+), failed (\\d+), canceled (\\d+), ignored (\\d+), pending (\\d+)");

  @Test
  void sparkCoreCheckpointSuitesPassWithThePlugin() {
    Path work = ChildJvm.workDir("spark-checkpoint-suite");
    Path audit = work.resolve("audit.jsonl");
    List<String> cmd = new ArrayList<>(ChildJvm.java("2g"));
    cmd.addAll(List.of(
        "-Dspark.plugins=" + SparkSubmitRun.PLUGIN_CLASS,
        "-Dspark.checkpointplus.audit.path=" + audit,
        "-Dspark.ui.enabled=false",
        "-Dspark.testing=true",
        "-cp", ChildJvm.sparkClasspath() + java.io.File.pathSeparator + ChildJvm.pluginJar(),
        "org.scalatest.tools.Runner", "-oW",
        "-s", "org.apache.spark.CheckpointSuite",
        "-s", "org.apache.spark.CheckpointStorageSuite",
        "-s", "org.apache.spark.util.PeriodicRDDCheckpointerSuite"));
    ChildJvm.Result result = ChildJvm.run(cmd, Map.of("SPARK_LOCAL_IP", "127.0.0.1"),
        work.resolve("runner.log"), 600);

    Matcher summary = SUMMARY.matcher(result.output());
    assertTrue(summary.find(), "no ScalaTest summary in " + result.log());
    int succeeded = Integer.parseInt(summary.group(1));
    assertEquals(0, Integer.parseInt(summary.group(2)), "failed tests, see " + result.log());
    assertEquals(0, Integer.parseInt(summary.group(3)), "canceled tests, see " + result.log());
    assertTrue(succeeded >= 32, "only " + succeeded + " tests ran");
    assertTrue(result.output().contains("All tests passed."), "see " + result.log());
    result.assertSucceeded();

    AuditTrail trail = AuditTrail.read(audit);
    long installed = trail.ofType("hook.status").stream()
        .filter(e -> e.get("status").asText().equals("installed")).count();
    assertTrue(installed >= 10, "the plugin was active in the suite's SparkContexts: " + installed);
    assertTrue(trail.ofType("checkpoint.completed").size() >= 41,
        "the plugin wrote the suite's checkpoints: "
            + trail.ofType("checkpoint.completed").size());
  }
}
