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
 * The long-lived streaming job killed and restarted from its checkpoint: {@code RealtimeFeatures}
 * is killed with SIGKILL while the plugin writes a checkpoint (on the batch's path and in the
 * background, on {@code local[2]} and {@code local-cluster}), restarted on the same checkpoint
 * directory, and every feature file of every batch equals an uninterrupted run's. The same
 * crash on stock Spark gives the recovery-time baseline. Restarts that change how the plugin is
 * deployed are {@link StreamingRestartIT}'s.
 */
class StreamingRecoveryIT {
  private static RealtimeFeaturesRuns runs;

  @BeforeAll
  static void runUninterrupted() throws IOException {
    runs = RealtimeFeaturesRuns.withReference("streaming-recovery");
  }

  @Test
  void killedWhileWritingACheckpointRecoversToTheSameFeatures() throws Exception {
    Path audit = runs.work().resolve("crash-audit.jsonl");
    Process first = runs.app("crash", true).start(runs.work(), "crash");
    // Past batch 6 (as the stock run below, for comparable restarts), then kill while a state
    // checkpoint is being written.
    Path out = runs.work().resolve("crash-out/windowed-clicks");
    await("batch 6", 240, first, () -> Files.exists(out.resolve("batch-000006.txt")));
    await("a checkpoint in flight", 120, first,
        () -> count(audit, "checkpoint.started") > count(audit, "checkpoint.completed"));
    kill(first);
    long pluginRecoveryMs = runs.recoveryMillis(runs.app("crash", true), "crash", out);

    assertEquals(runs.uninterrupted(), OutputFiles.committed(runs.work().resolve("crash-out")),
        "every batch's features equal an runs.uninterrupted() run's");
    String restartLog = Files.readString(runs.work().resolve("crash-restart.log"));
    assertTrue(restartLog.contains("recovered from checkpoint"), "restarted from the checkpoint");
    // The audit file survived the SIGKILL whole: every line parses, both runs appended to it.
    AuditTrail trail = AuditTrail.read(audit);
    assertEquals(2, trail.ofType("hook.status").size());

    // The same crash on stock Spark, for the recovery-time baseline.
    Process stock = runs.app("stock-crash", false).start(runs.work(), "stock-crash");
    Path stockOut = runs.work().resolve("stock-crash-out/windowed-clicks");
    await("batch 6 of stock Spark", 240, stock,
        () -> Files.exists(stockOut.resolve("batch-000006.txt")));
    kill(stock);
    long stockRecoveryMs =
        runs.recoveryMillis(runs.app("stock-crash", false), "stock-crash", stockOut);
    assertEquals(runs.uninterrupted(),
        OutputFiles.committed(runs.work().resolve("stock-crash-out")));
    Files.writeString(runs.work().resolve("recovery-times.json"), "{\"plugin_recovery_ms\": "
        + pluginRecoveryMs + ", \"stock_recovery_ms\": " + stockRecoveryMs + "}\n");
    System.out.printf("Recovery after SIGKILL (restart to the first batch past the crash):"
        + " plugin %d ms, stock %d ms%n", pluginRecoveryMs, stockRecoveryMs);
  }

  /**
   * With {@code spark.checkpointplus.streaming.backgroundWrite}, killed while a state checkpoint
   * is written in the background, at a random moment of the write (two trials, or
   * {@code -Dit.background.kills=N}, the seed printed; they alternate between {@code local[2]}
   * and {@code local-cluster}, whose executors outlive the driver's SIGKILL only until they
   * notice it): Spark's metadata never named the unfinished checkpoint, so the restart resumes
   * from the last complete one and every batch's features equal an uninterrupted run's.
   */
  @Test
  void killedDuringABackgroundWriteRecoversToTheSameFeatures() throws Exception {
    long seed = System.nanoTime();
    System.out.println("killedDuringABackgroundWriteRecoversToTheSameFeatures: seed " + seed);
    java.util.Random random = new java.util.Random(seed);
    int trials = Integer.getInteger("it.background.kills", 2);
    assertTrue(trials > 0, "-Dit.background.kills must be at least 1: " + trials);
    int cut = 0;
    for (int trial = 0; trial < trials; trial++) {
      String name = "background-crash-" + trial;
      String master = trial % 2 == 0 ? SparkSubmitRun.LOCAL : SparkSubmitRun.LOCAL_CLUSTER;
      Path audit = runs.work().resolve(name + "-audit.jsonl");
      SparkSubmitRun run = runs.app(name, true, master)
          .conf("spark.checkpointplus.streaming.backgroundWrite", "true");
      Process first = run.start(runs.work(), name);
      Path out = runs.work().resolve(name + "-out/windowed-clicks");
      await("batch 4", 300, first, () -> Files.exists(out.resolve("batch-000004.txt")));
      await("a background checkpoint in flight", 120, first,
          () -> countBackground(audit, "checkpoint.started")
              > countBackground(audit, "checkpoint.completed"));
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(300)));
      kill(first);
      // Audit lines are written off the job's path, so a kill may lose the last ones: this
      // counts the trials where a write's start is on record and its end is not.
      if (countBackground(audit, "checkpoint.started")
          > countBackground(audit, "checkpoint.completed")) {
        cut++;
      }
      runs.restart(runs.app(name, true, master)
          .conf("spark.checkpointplus.streaming.backgroundWrite", "true"), name, Map.of());
      assertEquals(runs.uninterrupted(), OutputFiles.committed(runs.work().resolve(name + "-out")),
          "trial " + trial + " on " + master + " (seed " + seed + "): every batch's features"
              + " equal an runs.uninterrupted() run's");
      assertTrue(Files.readString(runs.work().resolve(name + "-restart.log"))
          .contains("recovered from checkpoint"), "restarted from the checkpoint");
    }
    System.out.printf("killedDuringABackgroundWrite: %d trials, %d with a write cut on record,"
        + " every restart equal to the uninterrupted run%n", trials, cut);
  }

  /**
   * A kill certain to land inside a background write, on {@code local-cluster} (the held file
   * is an executor task's): the checkpoint directory's file system holds one of the write's files
   * ({@link HeldCheckpointFileSystem}), a later batch completes while it is held, and only then
   * is the driver killed. The restart resumes from the previous complete checkpoint, and every
   * batch's features equal an uninterrupted run's.
   */
  @Test
  void killedWhileABackgroundWriteIsHeldRecoversToTheSameFeatures() throws Exception {
    String name = "held-crash";
    String master = SparkSubmitRun.LOCAL_CLUSTER;
    Path control = Files.createDirectories(runs.work().resolve(name + "-control"));
    Path audit = runs.work().resolve(name + "-audit.jsonl");
    String checkpoint = HeldCheckpointFileSystem.SCHEME + "://" + runs.work().resolve(name + "-cp");
    Process first = heldWrites(runs.app(name, true, master, checkpoint), control).start(
        runs.work(), name);
    Path out = runs.work().resolve(name + "-out/windowed-clicks");
    await("batch 4", 300, first, () -> Files.exists(out.resolve("batch-000004.txt")));
    Files.createFile(control.resolve(HeldCheckpointFileSystem.ARMED));
    Path held = control.resolve(HeldCheckpointFileSystem.HELD);
    await("a background write held", 120, first, () -> heldLines(held).size() == 3);
    List<String> heldLines = heldLines(held);
    assertEquals("true", heldLines.get(2), "the held write is a background one: " + heldLines);
    long heldBatch = Long.parseLong(heldLines.get(1));
    // Spark records a batch's metadata checkpoint only once the batch completed.
    await("a later batch completing while the write is held", 120, first,
        () -> laterBatchCompleted(audit, heldBatch));
    kill(first);
    String heldDirectory = heldLines.get(0).replaceAll(".*/(rdd-\\d+)/[^/]*$", "$1");
    assertTrue(heldDirectory.startsWith("rdd-"), heldLines.get(0));

    Files.delete(control.resolve(HeldCheckpointFileSystem.ARMED));
    runs.restart(heldWrites(runs.app(name, true, master, checkpoint), control), name, Map.of());
    assertEquals(runs.uninterrupted(), OutputFiles.committed(runs.work().resolve(name + "-out")),
        "every batch's features equal an uninterrupted run's after a kill inside "
            + heldLines.get(0));
    assertTrue(Files.readString(runs.work().resolve(name + "-restart.log"))
        .contains("recovered from checkpoint"), "restarted from the checkpoint");
  }

  /** The run with background writes, its checkpoint files through the held file system. */
  private static SparkSubmitRun heldWrites(SparkSubmitRun run, Path control) {
    return run.conf("spark.checkpointplus.streaming.backgroundWrite", "true")
        .conf("spark.hadoop.fs." + HeldCheckpointFileSystem.SCHEME + ".impl",
            HeldCheckpointFileSystem.class.getName())
        .conf("spark.hadoop." + HeldCheckpointFileSystem.CONTROL_KEY, control.toString())
        .classpathOf(HeldCheckpointFileSystem.class);
  }

  /** The lines the held file system wrote so far, none before it held a file. */
  private static List<String> heldLines(Path held) {
    try {
      return Files.exists(held) ? Files.readAllLines(held) : List.of();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Whether the audit records a batch after {@code batchTime} as completed (so far). */
  private static boolean laterBatchCompleted(Path audit, long batchTime) {
    try {
      return AuditTrail.read(audit).ofType("checkpoint.metadata").stream()
          .anyMatch(e -> e.path("batchTime").asLong() > batchTime);
    } catch (java.io.UncheckedIOException lineBeingWritten) {
      return false;
    }
  }

  private static long countBackground(Path audit, String type) {
    try {
      return Files.exists(audit) ? Files.readAllLines(audit).stream()
          .filter(l -> l.contains("\"type\":\"" + type + "\"")
              && l.contains("\"background\":true")).count() : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  @Test
  void killedOnLocalClusterRecoversToTheSameFeatures() throws Exception {
    Path audit = runs.work().resolve("cluster-crash-audit.jsonl");
    Process first = runs.app("cluster-crash", true, SparkSubmitRun.LOCAL_CLUSTER)
        .start(runs.work(), "cluster-crash");
    Path out = runs.work().resolve("cluster-crash-out/windowed-clicks");
    await("batch 6", 300, first, () -> Files.exists(out.resolve("batch-000006.txt")));
    await("a checkpoint in flight", 120, first,
        () -> count(audit, "checkpoint.started") > count(audit, "checkpoint.completed"));
    kill(first);
    runs.restart(runs.app("cluster-crash", true, SparkSubmitRun.LOCAL_CLUSTER), "cluster-crash",
        Map.of());
    assertEquals(runs.uninterrupted(),
        OutputFiles.committed(runs.work().resolve("cluster-crash-out")));
    assertEquals(2, AuditTrail.read(audit).ofType("hook.status").size());
  }
}
