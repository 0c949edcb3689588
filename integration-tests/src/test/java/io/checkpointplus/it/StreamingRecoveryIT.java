package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The long-lived streaming job, restarted from its checkpoint: {@code RealtimeFeatures} is killed
 * with SIGKILL while the plugin writes a checkpoint, restarted on the same checkpoint directory,
 * and every feature file of every batch equals an uninterrupted run's. The same crash on stock
 * Spark gives the recovery-time baseline. The plugin can also be switched off on a checkpoint it
 * wrote, with the environment variable, and the application carries on natively.
 */
class StreamingRecoveryIT {
  private static final String APP = "io.checkpointplus.examples.RealtimeFeatures";
  private static final int BATCHES = 20;

  private static Path work;
  private static Map<String, String> uninterrupted;

  @BeforeAll
  static void runUninterrupted() throws IOException {
    work = ChildJvm.workDir("streaming-recovery");
    app("reference", false).run(work, "reference").assertSucceeded();
    uninterrupted = OutputFiles.committed(work.resolve("reference-out"));
    assertEquals(3 * BATCHES, uninterrupted.size());
  }

  private static SparkSubmitRun app(String name, boolean plugin) {
    return app(name, plugin, SparkSubmitRun.LOCAL);
  }

  private static SparkSubmitRun app(String name, boolean plugin, String master) {
    SparkSubmitRun run = SparkSubmitRun.of(APP).master(master).args(
        "--checkpoint", work.resolve(name + "-cp").toString(),
        "--output", work.resolve(name + "-out").toString(),
        "--batches", String.valueOf(BATCHES), "--batch-ms", "500", "--checkpoint-every", "2");
    if (plugin) {
      run.withPlugin().conf("spark.checkpointplus.audit.path",
          work.resolve(name + "-audit.jsonl").toString());
    }
    return run;
  }

  /** Waits for {@code condition}, checking often; fails after {@code seconds}. */
  private static void await(String what, long seconds, Process p, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline || !p.isAlive()) {
        p.destroyForcibly();
        fail("gave up waiting for " + what + (p.isAlive() ? "" : ": the application exited"));
      }
      // Parked between checks: a spin would take one of the machine's two cores from the
      // application under test.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  private static long count(Path audit, String type) {
    try {
      return Files.exists(audit) ? Files.readAllLines(audit).stream()
          .filter(l -> l.contains("\"type\":\"" + type + "\"")).count() : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** SIGKILL; returns once the process is gone. */
  private static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
  }

  /**
   * Restarts on the same checkpoint, returns the recovery time: from the restart to the output
   * of the first batch past the last one written before the crash; then lets the run finish.
   */
  private static long recoveryMillis(SparkSubmitRun run, String name, Path featureDir)
      throws Exception {
    long written;
    try (var files = Files.list(featureDir)) {
      written = files.map(f -> f.getFileName().toString())
          .filter(n -> n.matches("batch-\\d{6}\\.txt"))
          .mapToLong(n -> Long.parseLong(n.substring(6, 12))).max().orElse(-1);
    }
    Path next = featureDir.resolve(String.format("batch-%06d.txt", written + 1));
    long start = System.nanoTime();
    Process p = run.start(work, name + "-restart");
    await("the first batch after the crash", 240, p, () -> Files.exists(next));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "restarted run finished");
    assertEquals(0, p.exitValue(), "restarted run succeeded, see " + name + "-restart.log");
    return millis;
  }

  /** Restarts on the same checkpoint and returns how long until it finished, in ms. */
  private static long restart(String name, boolean plugin, Map<String, String> env) {
    return restart(app(name, plugin), name, env);
  }

  private static long restart(SparkSubmitRun run, String name, Map<String, String> env) {
    env.forEach(run::env);
    return run.run(work, name + "-restart").assertSucceeded().millis();
  }

  @Test
  void killedWhileWritingACheckpointRecoversToTheSameFeatures() throws Exception {
    Path audit = work.resolve("crash-audit.jsonl");
    Process first = app("crash", true).start(work, "crash");
    // Past batch 6 (as the stock run below, for comparable restarts), then kill while a state
    // checkpoint is being written.
    Path out = work.resolve("crash-out/windowed-clicks");
    await("batch 6", 240, first, () -> Files.exists(out.resolve("batch-000006.txt")));
    await("a checkpoint in flight", 120, first,
        () -> count(audit, "checkpoint.started") > count(audit, "checkpoint.completed"));
    kill(first);
    long pluginRecoveryMs = recoveryMillis(app("crash", true), "crash", out);

    assertEquals(uninterrupted, OutputFiles.committed(work.resolve("crash-out")),
        "every batch's features equal an uninterrupted run's");
    String restartLog = Files.readString(work.resolve("crash-restart.log"));
    assertTrue(restartLog.contains("recovered from checkpoint"), "restarted from the checkpoint");
    // The audit file survived the SIGKILL whole: every line parses, both runs appended to it.
    AuditTrail trail = AuditTrail.read(audit);
    assertEquals(2, trail.ofType("hook.status").size());

    // The same crash on stock Spark, for the recovery-time baseline.
    Process stock = app("stock-crash", false).start(work, "stock-crash");
    Path stockOut = work.resolve("stock-crash-out/windowed-clicks");
    await("batch 6 of stock Spark", 240, stock,
        () -> Files.exists(stockOut.resolve("batch-000006.txt")));
    kill(stock);
    long stockRecoveryMs = recoveryMillis(app("stock-crash", false), "stock-crash", stockOut);
    assertEquals(uninterrupted, OutputFiles.committed(work.resolve("stock-crash-out")));
    Files.writeString(work.resolve("recovery-times.json"), "{\"plugin_recovery_ms\": "
        + pluginRecoveryMs + ", \"stock_recovery_ms\": " + stockRecoveryMs + "}\n");
    System.out.printf("Recovery after SIGKILL (restart to the first batch past the crash):"
        + " plugin %d ms, stock %d ms%n", pluginRecoveryMs, stockRecoveryMs);
  }

  /**
   * With {@code spark.checkpointplus.streaming.backgroundWrite}, killed while a state checkpoint
   * is written in the background, at a random moment of the write (two trials, the seed
   * printed; the first on {@code local[2]}, the second on {@code local-cluster}, whose
   * executors outlive the driver's SIGKILL only until they notice it): Spark's metadata never
   * named the unfinished checkpoint, so the restart resumes from the last complete one and every
   * batch's features equal an uninterrupted run's.
   */
  @Test
  void killedDuringABackgroundWriteRecoversToTheSameFeatures() throws Exception {
    long seed = System.nanoTime();
    System.out.println("killedDuringABackgroundWriteRecoversToTheSameFeatures: seed " + seed);
    java.util.Random random = new java.util.Random(seed);
    for (int trial = 0; trial < 2; trial++) {
      String name = "background-crash-" + trial;
      String master = trial == 0 ? SparkSubmitRun.LOCAL : SparkSubmitRun.LOCAL_CLUSTER;
      Path audit = work.resolve(name + "-audit.jsonl");
      SparkSubmitRun run = app(name, true, master)
          .conf("spark.checkpointplus.streaming.backgroundWrite", "true");
      Process first = run.start(work, name);
      Path out = work.resolve(name + "-out/windowed-clicks");
      await("batch 4", 300, first, () -> Files.exists(out.resolve("batch-000004.txt")));
      await("a background checkpoint in flight", 120, first,
          () -> countBackground(audit, "checkpoint.started")
              > countBackground(audit, "checkpoint.completed"));
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(300)));
      kill(first);
      restart(app(name, true, master)
          .conf("spark.checkpointplus.streaming.backgroundWrite", "true"), name, Map.of());
      assertEquals(uninterrupted, OutputFiles.committed(work.resolve(name + "-out")),
          "trial " + trial + " on " + master + " (seed " + seed + "): every batch's features"
              + " equal an uninterrupted run's");
      assertTrue(Files.readString(work.resolve(name + "-restart.log"))
          .contains("recovered from checkpoint"), "restarted from the checkpoint");
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
    Path audit = work.resolve("cluster-crash-audit.jsonl");
    Process first = app("cluster-crash", true, SparkSubmitRun.LOCAL_CLUSTER)
        .start(work, "cluster-crash");
    Path out = work.resolve("cluster-crash-out/windowed-clicks");
    await("batch 6", 300, first, () -> Files.exists(out.resolve("batch-000006.txt")));
    await("a checkpoint in flight", 120, first,
        () -> count(audit, "checkpoint.started") > count(audit, "checkpoint.completed"));
    kill(first);
    restart(app("cluster-crash", true, SparkSubmitRun.LOCAL_CLUSTER), "cluster-crash",
        Map.of());
    assertEquals(uninterrupted, OutputFiles.committed(work.resolve("cluster-crash-out")));
    assertEquals(2, AuditTrail.read(audit).ofType("hook.status").size());
  }

  @Test
  void withoutTheJarARestartOnACheckpointWrittenWithThePluginFailsToStart() throws Exception {
    Path audit = work.resolve("gone-audit.jsonl");
    Process first = app("gone", true).start(work, "gone");
    await("a completed checkpoint", 240, first,
        () -> count(audit, "checkpoint.completed") >= 1);
    kill(first);
    // What the README warns about: the restored configuration names a class that is gone.
    ChildJvm.Result restart = app("gone", false).run(work, "gone-restart");
    assertTrue(restart.exitCode() != 0);
    assertTrue(restart.output().contains(
        "ClassNotFoundException: io.checkpointplus.spark.CheckpointPlusPlugin"));
    // With the jar back and the plugin switched off, the same checkpoint completes the run.
    restart(app("gone", false).withPluginJarOnly(), "gone",
        Map.of("SPARK_CHECKPOINTPLUS_ENABLED", "false"));
    assertEquals(uninterrupted, OutputFiles.committed(work.resolve("gone-out")));
  }

  @Test
  void thePluginCanBeSwitchedOffOnACheckpointItWrote() throws Exception {
    Path audit = work.resolve("off-audit.jsonl");
    Process first = app("off", true).start(work, "off");
    await("two completed checkpoints", 240, first,
        () -> count(audit, "checkpoint.completed") >= 2);
    kill(first);
    long hookEvents = count(audit, "hook.status");

    // Restarted without spark.plugins: the restored configuration still names the plugin (Spark
    // reloads it from the checkpoint), so its jar must stay on the driver's class path; the
    // environment switch wins.
    restart(app("off", false).withPluginJarOnly(), "off",
        Map.of("SPARK_CHECKPOINTPLUS_ENABLED", "false"));

    assertEquals(uninterrupted, OutputFiles.committed(work.resolve("off-out")));
    assertEquals(hookEvents, count(audit, "hook.status"), "the plugin stayed off");
    assertTrue(Files.readString(work.resolve("off-restart.log"))
        .contains("switched off by the environment"));
  }

  @Test
  void thePluginJoinsAnApplicationRestartedFromAStockCheckpointThroughTheAgent()
      throws Exception {
    Process first = app("agent", false).start(work, "agent");
    Path out = work.resolve("agent-out/windowed-clicks");
    await("batch 6 of stock Spark", 240, first,
        () -> Files.exists(out.resolve("batch-000006.txt")));
    kill(first);

    // spark.plugins given now would be ignored: the configuration comes from the checkpoint.
    Path audit = work.resolve("agent-audit.jsonl");
    app("agent", false)
        .jvmOption("-javaagent:" + ChildJvm.pluginJar())
        .jvmOption("-Dspark.checkpointplus.audit.path=" + audit)
        .run(work, "agent-restart").assertSucceeded();

    assertEquals(uninterrupted, OutputFiles.committed(work.resolve("agent-out")));
    assertTrue(Files.readString(work.resolve("agent-restart.log"))
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
    Path audit = work.resolve("retain-audit.jsonl");
    SparkSubmitRun first = app("retain", true)
        .conf("spark.checkpointplus.files.retention.enabled", "true")
        .conf("spark.checkpointplus.files.retention.keepLast", "0")
        .conf("spark.checkpointplus.files.retention.olderThan", "10min");
    Process p = first.start(work, "retain");
    Path out = work.resolve("retain-out/windowed-clicks");
    await("batch 6", 240, p, () -> Files.exists(out.resolve("batch-000006.txt")));
    kill(p);
    Path checkpointRoot = work.resolve("retain-cp");
    List<Path> before;
    try (var dirs = Files.list(checkpointRoot)) {
      before = dirs.filter(d -> d.getFileName().toString().matches("[0-9a-f-]{36}")).toList();
    }
    assertEquals(1, before.size(), "the first run's directory");
    ageByOneDay(before.get(0));

    // The restored configuration carries the retention settings; run longer after the restart.
    SparkSubmitRun.of(APP).withPluginJarOnly().args("--checkpoint", checkpointRoot.toString(),
        "--output", work.resolve("retain-out").toString(), "--batches", "40",
        "--batch-ms", "500", "--checkpoint-every", "2")
        .run(work, "retain-restart").assertSucceeded();

    assertTrue(Files.notExists(before.get(0)), "the previous run's directory was removed");
    assertTrue(AuditTrail.read(audit).ofType("checkpoint.cleaned").stream()
        .anyMatch(c -> c.get("dir").asText().endsWith(before.get(0).getFileName().toString())
            && c.get("deleted").asBoolean()));
  }
}
