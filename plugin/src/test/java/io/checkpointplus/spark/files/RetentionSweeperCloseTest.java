package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.audit.AuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing the sweeper ends every thread it started, the per-store heartbeat threads included,
 * also when {@code close()} runs on an interrupted thread (Spark stops plugins from a thread
 * that may have been interrupted, e.g. a shutdown hook or a cancelled task's thread).
 */
class RetentionSweeperCloseTest {
  @TempDir
  Path tmp;

  /** The threads alive now that the sweeper names as its own (heartbeat or sweep). */
  private static Set<Thread> sweeperThreads() {
    Set<Thread> threads = new java.util.HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals(RetentionSweeper.HEARTBEAT_THREAD)
          || t.getName().equals("checkpoint-plus-retention")) {
        threads.add(t);
      }
    }
    return threads;
  }

  /**
   * Review: the per-store heartbeat executors were shut down only after
   * {@code sweeps.awaitTermination}, inside the same {@code try}; on an interrupted thread that
   * call throws at once and the store threads were never shut down: they lived on, one per
   * store, for every SparkContext stopped so.
   */
  @Test
  void closeOnAnInterruptedThreadEndsThePerStoreHeartbeatThreads() throws Exception {
    Path own = Files.createDirectories(tmp.resolve("cp").resolve(UUID.randomUUID().toString()));
    Set<Thread> before = sweeperThreads();
    List<Thread> started;
    try (AuditLog audit = new AuditLog("app-test", 100)) {
      RetentionSweeper sweeper = new RetentionSweeper(true, 1, 3_600_000L, false, false, audit);
      sweeper.start("app-1", "my-app", () -> scala.Option.apply(own.toUri().toString()),
          new Configuration(), reason -> { });
      sweeper.awaitSweeps(); // the first heartbeat ran on the store's own thread
      started = sweeperThreads().stream().filter(t -> !before.contains(t)).toList();
      assertTrue(started.size() >= 3,
          "the scheduler's, the sweep's and the store's threads: " + started);

      Thread.currentThread().interrupt();
      try {
        sweeper.close();
      } finally {
        assertTrue(Thread.interrupted(), "close() keeps the caller's interrupt");
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Thread t : started) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    List<Thread> alive = started.stream().filter(Thread::isAlive).toList();
    assertTrue(alive.isEmpty(), "threads of the closed sweeper still alive: " + alive);
  }
}
