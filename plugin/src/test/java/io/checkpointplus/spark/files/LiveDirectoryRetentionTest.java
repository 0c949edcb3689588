package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.audit.AuditLog;
import io.checkpointplus.spark.config.CheckpointPlusConfig;
import io.checkpointplus.spark.config.InvalidConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention never deletes a live directory: an application that only reads its checkpoints
 * (no file changed for hours) is alive by its owner marker's heartbeat, the time the storage
 * stamped on the marker when its heartbeat thread last renewed it; the heartbeat thread
 * writes that marker; an unsafe {@code olderThan} is refused; the driver's memory of verified
 * and referenced checkpoints stays bounded over 10,000 checkpoints.
 */
class LiveDirectoryRetentionTest {
  @TempDir
  Path tmp;

  private final Configuration conf = new Configuration();

  private static Path run(Path root, Duration age) throws Exception {
    Path dir = root.resolve(UUID.randomUUID().toString());
    Path part = Files.createDirectories(dir.resolve("rdd-3")).resolve("part-00000");
    Files.writeString(part, "x");
    FileTime when = FileTime.from(Instant.now().minus(age));
    for (Path p : new Path[] {part, part.getParent(), dir}) {
      Files.setLastModifiedTime(p, when);
    }
    return dir;
  }

  private static void marker(Path dir, Instant heartbeat, Duration fileAge) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    new OwnerMarker("app-other", "other", heartbeat.toEpochMilli())
        .write(fs, new org.apache.hadoop.fs.Path(dir.toUri()));
    Path m = dir.resolve(OwnerMarker.FILE_NAME);
    Files.setLastModifiedTime(m, FileTime.from(Instant.now().minus(fileAge)));
    Files.setLastModifiedTime(dir, FileTime.from(Instant.now().minus(fileAge)));
  }

  @Test
  void aReadingApplicationWithAFreshHeartbeatIsNeverSwept() throws Exception {
    Path root = tmp.resolve("cp");
    Path own = run(root, Duration.ZERO);
    Path reading = run(root, Duration.ofDays(2));
    // alive, only reads for days: its heartbeat thread renewed the marker just now
    marker(reading, Instant.now(), Duration.ZERO);
    Path dead = run(root, Duration.ofDays(2));
    marker(dead, Instant.now().minus(Duration.ofDays(2)), Duration.ofDays(2));
    try (AuditLog audit = new AuditLog("app-test", 100);
        RetentionSweeper sweeper = new RetentionSweeper(true, 0, 3_600_000L, false, false, audit)) {
      sweeper.afterCheckpoint(own.resolve("rdd-3").toUri().toString(), conf);
      sweeper.awaitSweeps();
    }
    assertTrue(Files.exists(reading), "a live reader's directory, by its heartbeat");
    assertFalse(Files.exists(dead), "no heartbeat, no file changed for two days");
    assertTrue(Files.exists(own));
  }

  @Test
  void aDirectoryWhoseOwnerMarkerCannotBeReadIsKeptAndTheOthersAreStillJudged() throws Exception {
    Path root = tmp.resolve("cp");
    Path own = run(root, Duration.ZERO);
    Path unreadable = run(root, Duration.ofDays(2));
    marker(unreadable, Instant.now().minus(Duration.ofDays(2)), Duration.ofDays(2));
    // Changed behind Hadoop's back: its checksum file no longer matches, reading it fails.
    Files.writeString(unreadable.resolve(OwnerMarker.FILE_NAME), "appId=x\nheartbeat=1\n");
    Path dead = run(root, Duration.ofDays(2));
    marker(dead, Instant.now().minus(Duration.ofDays(2)), Duration.ofDays(2));
    try (AuditLog audit = new AuditLog("app-test", 100);
        RetentionSweeper sweeper = new RetentionSweeper(true, 0, 3_600_000L, false, false, audit)) {
      sweeper.afterCheckpoint(own.resolve("rdd-3").toUri().toString(), conf);
      sweeper.awaitSweeps();
    }
    assertTrue(Files.exists(unreadable), "whether its owner lives cannot be told: kept");
    assertFalse(Files.exists(dead), "one unreadable directory does not stop the sweep");
  }

  @Test
  void everyDirectoryTheApplicationWroteToIsItsOwnAfterANewCheckpointDir() throws Exception {
    Path root = tmp.resolve("cp");
    Path first = run(root, Duration.ofDays(2)); // idle for days, heartbeat expired: looks dead
    marker(first, Instant.now().minus(Duration.ofDays(2)), Duration.ofDays(2));
    Path second = run(root, Duration.ZERO);
    try (AuditLog audit = new AuditLog("app-test", 100);
        RetentionSweeper sweeper = new RetentionSweeper(true, 0, 3_600_000L, false, false, audit)) {
      sweeper.afterCheckpoint(first.resolve("rdd-3").toUri().toString(), conf);
      sweeper.awaitSweeps();
      // setCheckpointDir again: later checkpoints go to the second directory, while RDDs
      // checkpointed in the first still read from it.
      sweeper.sweep(new org.apache.hadoop.fs.Path(root.toUri()),
          new org.apache.hadoop.fs.Path(second.toUri()),
          org.apache.hadoop.fs.FileSystem.getLocal(conf));
    }
    assertTrue(Files.exists(first), "the application's earlier directory is never swept");
  }

  @Test
  void theHeartbeatThreadMarksTheOwnDirectory() throws Exception {
    Path own = Files.createDirectories(tmp.resolve("cp").resolve(UUID.randomUUID().toString()));
    try (AuditLog audit = new AuditLog("app-test", 100);
        RetentionSweeper sweeper = new RetentionSweeper(false, 1, 3_600_000L, false, false, audit)) {
      long before = System.currentTimeMillis();
      sweeper.start("app-1", "my-app", () -> scala.Option.apply(own.toUri().toString()), conf,
          reason -> { });
      sweeper.awaitSweeps();
      OwnerMarker m = OwnerMarker.read(FileSystem.getLocal(conf),
          new org.apache.hadoop.fs.Path(own.toUri())).orElseThrow();
      assertEquals("app-1", m.appId());
      assertEquals("my-app", m.appName());
      assertTrue(m.heartbeatMs() >= before, "heartbeat " + m.heartbeatMs());
    }
  }

  /**
   * Regression: the heartbeat came every quarter of this application's own olderThan (15 min
   * at the default 1h, 42 h at 7d), so an application sharing the root with the minimum
   * olderThan (10min) saw a live directory idle and swept it.
   */
  @Test
  void theHeartbeatIsFreshEnoughForAnyApplicationSharingTheRoot() throws Exception {
    for (long olderThan : new long[] {600_000L, 3_600_000L, 7 * 86_400_000L}) {
      try (AuditLog audit = new AuditLog("app-test", 100);
          RetentionSweeper sweeper = new RetentionSweeper(true, 1, olderThan, false, false, audit)) {
        assertTrue(sweeper.heartbeatPeriodMs() <= RetentionSweeper.MIN_OLDER_THAN_MS / 4,
            "olderThan " + olderThan + " ms: heartbeat every " + sweeper.heartbeatPeriodMs()
                + " ms, expected at most " + RetentionSweeper.MIN_OLDER_THAN_MS / 4 + " ms");
      }
    }
  }

  @Test
  void anOlderThanBelowTenMinutesIsRefusedNamingKeyValueAndMinimum() {
    SparkConf spark = new SparkConf(false).set("spark.checkpointplus.files.retention.olderThan",
        "5min");
    Exception e = assertThrows(InvalidConfigurationException.class,
        () -> CheckpointPlusConfig.FILES_RETENTION_OLDER_THAN.readFrom(spark));
    assertTrue(e.getMessage().contains("spark.checkpointplus.files.retention.olderThan")
        && e.getMessage().contains("'5min'") && e.getMessage().contains("at least 10min"),
        e.getMessage());
  }

  @Test
  void tenThousandCheckpointsKeepTheDriversMemoryBounded() throws Exception {
    try (AuditLog audit = new AuditLog("app-test", 100);
        RetentionSweeper sweeper = new RetentionSweeper(true, 1, 3_600_000L, false, false, audit)) {
      CheckpointVerifier verifier = new CheckpointVerifier(VerifyMode.SIZE, sweeper, audit);
      Path uuid = tmp.resolve("cp").resolve(UUID.randomUUID().toString());
      Path restored = Files.createDirectories(tmp.resolve("cp").resolve(
          UUID.randomUUID().toString()).resolve("rdd-1"));
      verifier.verifyOnce(restored.toUri().toString(), conf);
      for (int i = 0; i < 10_000; i++) {
        // a streaming application: each batch's checkpoint replaces the previous one
        Path rdd = Files.createDirectories(uuid.resolve("rdd-" + (i + 2)));
        verifier.verifyOnce(rdd.toUri().toString(), conf);
        Files.delete(rdd);
        if (i % 50 == 49) { // pruned (heartbeat thread) before 64 pile up
          sweeper.prune(conf);
        }
      }
      sweeper.prune(conf);
      assertTrue(verifier.verifiedCount() <= CheckpointVerifier.REMEMBERED,
          "verified entries: " + verifier.verifiedCount());
      assertTrue(sweeper.referenceCount() <= 100, "references: " + sweeper.referenceCount());
      assertEquals(1, sweeper.referenceCount(), "only the restored checkpoint still exists");
    }
  }
}
