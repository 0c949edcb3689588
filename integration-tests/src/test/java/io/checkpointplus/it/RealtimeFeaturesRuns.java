package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Runs of the {@code RealtimeFeatures} example through SparkSubmit in one work directory, each
 * named, with its checkpoint, output and audit files named after it; and the output of one
 * uninterrupted stock run, which every killed or restarted run must equal batch for batch.
 */
final class RealtimeFeaturesRuns {
  static final String APP = "io.checkpointplus.examples.RealtimeFeatures";
  static final int BATCHES = 20;

  private final Path work;
  private final Map<String, String> uninterrupted;

  private RealtimeFeaturesRuns(Path work, Map<String, String> uninterrupted) {
    this.work = work;
    this.uninterrupted = uninterrupted;
  }

  /** A work directory of that name, with the uninterrupted stock run done in it. */
  static RealtimeFeaturesRuns withReference(String workName) throws IOException {
    Path work = ChildJvm.workDir(workName);
    RealtimeFeaturesRuns runs = new RealtimeFeaturesRuns(work, Map.of());
    runs.app("reference", false).run(work, "reference").assertSucceeded();
    Map<String, String> reference = OutputFiles.committed(work.resolve("reference-out"));
    assertEquals(3 * BATCHES, reference.size());
    return new RealtimeFeaturesRuns(work, reference);
  }

  Path work() {
    return work;
  }

  /** Every feature file of the uninterrupted run, by its path under the output directory. */
  Map<String, String> uninterrupted() {
    return uninterrupted;
  }

  SparkSubmitRun app(String name, boolean plugin) {
    return app(name, plugin, SparkSubmitRun.LOCAL);
  }

  SparkSubmitRun app(String name, boolean plugin, String master) {
    return app(name, plugin, master, work.resolve(name + "-cp").toString());
  }

  /** A run whose checkpoint directory is {@code checkpoint}, a path or a URI. */
  SparkSubmitRun app(String name, boolean plugin, String master, String checkpoint) {
    SparkSubmitRun run = SparkSubmitRun.of(APP).master(master).args(
        "--checkpoint", checkpoint,
        "--output", work.resolve(name + "-out").toString(),
        "--batches", String.valueOf(BATCHES), "--batch-ms", "500", "--checkpoint-every", "2");
    if (plugin) {
      run.withPlugin().conf("spark.checkpointplus.audit.path",
          work.resolve(name + "-audit.jsonl").toString());
    }
    return run;
  }

  /** Waits for {@code condition}, checking often; fails after {@code seconds}. */
  static void await(String what, long seconds, Process p, BooleanSupplier condition) {
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

  /** How many events of {@code type} the audit file holds so far. */
  static long count(Path audit, String type) {
    try {
      return Files.exists(audit) ? Files.readAllLines(audit).stream()
          .filter(l -> l.contains("\"type\":\"" + type + "\"")).count() : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** SIGKILL; returns once the process is gone. */
  static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
  }

  /**
   * Restarts on the same checkpoint, returns the recovery time: from the restart to the output
   * of the first batch past the last one written before the crash; then lets the run finish.
   */
  long recoveryMillis(SparkSubmitRun run, String name, Path featureDir) throws Exception {
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

  /** Restarts on the same checkpoint, with {@code env} set, and waits until it finished. */
  void restart(SparkSubmitRun run, String name, Map<String, String> env) {
    env.forEach(run::env);
    run.run(work, name + "-restart").assertSucceeded();
  }
}
