package io.checkpointplus.it;

import static io.checkpointplus.it.RealtimeFeaturesRuns.await;
import static io.checkpointplus.it.RealtimeFeaturesRuns.count;
import static io.checkpointplus.it.RealtimeFeaturesRuns.kill;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The long-lived streaming job restarted from a checkpoint under another deployment than the
 * one that wrote it: without the plugin's jar (fails to start, as the README warns), with the
 * plugin switched off by the environment, joined by the plugin through the agent on a stock
 * checkpoint, and with retention on across the restart. Every run's features equal an
 * uninterrupted run's.
 */
class StreamingRestartIT {
  private static RealtimeFeaturesRuns runs;

  @BeforeAll
  static void runUninterrupted() throws IOException {
    runs = RealtimeFeaturesRuns.withReference("streaming-restart");
  }

  @Test
  void withoutTheJarARestartOnACheckpointWrittenWithThePluginFailsToStart() throws Exception {
    Path audit = runs.work().resolve("gone-audit.jsonl");
    Process first = runs.app("gone", true).start(runs.work(), "gone");
    await("a completed checkpoint", 240, first,
        () -> count(audit, "checkpoint.completed") >= 1);
    kill(first);
    // What the README warns about: the restored configuration names a class that is gone.
    ChildJvm.Result restart = runs.app("gone", false).run(runs.work(), "gone-restart");
    assertTrue(restart.exitCode() != 0);
    assertTrue(restart.output().contains(
        "ClassNotFoundException: io.checkpointplus.spark.CheckpointPlusPlugin"));
    // With the jar back and the plugin switched off, the same checkpoint completes the run.
    runs.restart(runs.app("gone", false).withPluginJarOnly(), "gone",
        Map.of("SPARK_CHECKPOINTPLUS_ENABLED", "false"));
    assertEquals(runs.uninterrupted(), OutputFiles.committed(runs.work().resolve("gone-out")));
  }

  @Test
  void thePluginCanBeSwitchedOffOnACheckpointItWrote() throws Exception {
    Path audit = runs.work().resolve("off-audit.jsonl");
    Process first = runs.app("off", true).start(runs.work(), "off");
    await("two completed checkpoints", 240, first,
        () -> count(audit, "checkpoint.completed") >= 2);
    kill(first);
    long hookEvents = count(audit, "hook.status");

    // Restarted without spark.plugins: the restored configuration still names the plugin (Spark
    // reloads it from the checkpoint), so its jar must stay on the driver's class path; the
    // environment switch wins.
    runs.restart(runs.app("off", false).withPluginJarOnly(), "off",
        Map.of("SPARK_CHECKPOINTPLUS_ENABLED", "false"));

    assertEquals(runs.uninterrupted(), OutputFiles.committed(runs.work().resolve("off-out")));
    assertEquals(hookEvents, count(audit, "hook.status"), "the plugin stayed off");
    assertTrue(Files.readString(runs.work().resolve("off-restart.log"))
        .contains("switched off by the environment"));
  }

  @Test
  void thePluginJoinsAnApplicationRestartedFromAStockCheckpointThroughTheAgent()
      throws Exception {
    Process first = runs.app("agent", false).start(runs.work(), "agent");
    Path out = runs.work().resolve("agent-out/windowed-clicks");
    await("batch 6 of stock Spark", 240, first,
        () -> Files.exists(out.resolve("batch-000006.txt")));
    kill(first);

    // spark.plugins given now would be ignored: the configuration comes from the checkpoint.
    Path audit = runs.work().resolve("agent-audit.jsonl");
    runs.app("agent", false)
        .jvmOption("-javaagent:" + ChildJvm.pluginJar())
        .jvmOption("-Dspark.checkpointplus.audit.path=" + audit)
        .run(runs.work(), "agent-restart").assertSucceeded();

    assertEquals(runs.uninterrupted(), OutputFiles.committed(runs.work().resolve("agent-out")));
    assertTrue(Files.readString(runs.work().resolve("agent-restart.log"))
        .contains("recovered from checkpoint"));
    AuditTrail trail = AuditTrail.read(audit);
    assertEquals("installed", trail.ofType("hook.status").get(0).get("status").asText());
    assertTrue(trail.ofType("checkpoint.completed").size() >= 2,
        "the plugin wrote the restarted application's checkpoints");
  }

  /**
   * Makes a killed run's directory look as it would a day later: every file's time, and the
   * heartbeat in its owner marker, moved back by a day (the minimum olderThan is 10 minutes).
   */
  private static void ageByOneDay(Path uuidDir) throws IOException {
    long dayAgo = System.currentTimeMillis() - 24L * 3600 * 1000;
    Path marker = uuidDir.resolve("_checkpoint-plus-owner");
    if (Files.exists(marker)) {
      Files.writeString(marker, Files.readString(marker)
          .replaceAll("heartbeat=\\d+", "heartbeat=" + dayAgo));
      // Hadoop's local file system keeps a checksum beside each file; it no longer matches.
      Files.deleteIfExists(uuidDir.resolve("._checkpoint-plus-owner.crc"));
    }
    try (var files = Files.walk(uuidDir)) {
      for (Path f : files.toList()) {
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(dayAgo));
      }
    }
  }

  /**
   * After a restart, the previous run's {@code <uuid>} directory is read by the restored state,
   * then left behind once Spark Streaming has replaced those checkpoints: retention removes it.
   */
  @Test
  void retentionRemovesThePreviousRunsDirectoryOnceTheRestoredStateLeftIt() throws Exception {
    Path audit = runs.work().resolve("retain-audit.jsonl");
    SparkSubmitRun first = runs.app("retain", true)
        .conf("spark.checkpointplus.files.retention.enabled", "true")
        .conf("spark.checkpointplus.files.retention.keepLast", "0")
        .conf("spark.checkpointplus.files.retention.olderThan", "10min");
    Process p = first.start(runs.work(), "retain");
    Path out = runs.work().resolve("retain-out/windowed-clicks");
    await("batch 6", 240, p, () -> Files.exists(out.resolve("batch-000006.txt")));
    kill(p);
    Path checkpointRoot = runs.work().resolve("retain-cp");
    List<Path> before;
    try (var dirs = Files.list(checkpointRoot)) {
      before = dirs.filter(d -> d.getFileName().toString().matches("[0-9a-f-]{36}")).toList();
    }
    assertEquals(1, before.size(), "the first run's directory");
    ageByOneDay(before.get(0));

    // The restored configuration carries the retention settings; run longer after the restart.
    SparkSubmitRun.of(RealtimeFeaturesRuns.APP).withPluginJarOnly()
        .args("--checkpoint", checkpointRoot.toString(),
        "--output", runs.work().resolve("retain-out").toString(), "--batches", "40",
        "--batch-ms", "500", "--checkpoint-every", "2")
        .run(runs.work(), "retain-restart").assertSucceeded();

    assertTrue(Files.notExists(before.get(0)), "the previous run's directory was removed");
    assertTrue(AuditTrail.read(audit).ofType("checkpoint.cleaned").stream()
        .anyMatch(c -> c.get("dir").asText().endsWith(before.get(0).getFileName().toString())
            && c.get("deleted").asBoolean()));
  }
}
