package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.AuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retention sweep removes only the {@code <uuid>} directories it can prove dead, by the
 * rules of the inspector's {@code clean}:
 *
 * <ul>
 *   <li>A directory without an owner marker (stock Spark, an application without the plugin)
 *       may be read by a running application for hours without a file changing: it is never
 *       swept unless {@code files.retention.includeUnowned} opts in, and then only once idle.</li>
 *   <li>Ages are judged on the storage's clock, never on the sweeping driver's and never on the
 *       time another driver wrote into its marker: drivers' clocks hours apart never make a live
 *       directory look dead.</li>
 *   <li>A long sweep never delays the heartbeat, and a failure inside a heartbeat or a sweep
 *       stops neither later heartbeats nor later sweeps, nor reaches the application.</li>
 * </ul>
 */
class RetentionSweepsOnlyTheProvablyDeadTest {
  private static final long HOUR = 3_600_000L;
  @TempDir
  Path tmp;

  private final Configuration conf = new Configuration();
  private final List<AuditEvent> events = new CopyOnWriteArrayList<>();
  /** The reasons the sweeper reported to the plugin's hook.status (status degraded). */
  private final List<String> degraded = new CopyOnWriteArrayList<>();

  private AuditLog audit() {
    return new AuditLog("app-sweeping", 100).addImmediateSink(events::add);
  }

  private List<AuditEvent> cleaned() {
    return events.stream().filter(e -> e.type() == AuditEvent.Type.CHECKPOINT_CLEANED)
        .collect(Collectors.toList());
  }

  /** Sets the time of {@code dir} and of everything below it (checksum files too). */
  private static void setTimes(Path dir, Instant when) throws Exception {
    List<Path> all;
    try (Stream<Path> walk = Files.walk(dir)) {
      all = walk.collect(Collectors.toList());
    }
    for (Path p : all) {
      Files.setLastModifiedTime(p, FileTime.from(when));
    }
  }

  /** An earlier run's {@code <uuid>} directory with one checkpoint file, no owner marker. */
  private static Path run(Path root) throws Exception {
    Path dir = root.resolve(UUID.randomUUID().toString());
    Files.writeString(Files.createDirectories(dir.resolve("rdd-3")).resolve("part-00000"), "x");
    return dir;
  }

  /** Writes the owner marker of {@code dir} as its driver does, with that driver's time. */
  private static void marker(Path dir, String appName, long driverTimeMs) throws Exception {
    new OwnerMarker("app-" + appName, appName, driverTimeMs).write(
        FileSystem.getLocal(new Configuration()), new org.apache.hadoop.fs.Path(dir.toUri()));
  }

  /** This (sweeping) application's own directory, where its latest checkpoint was written. */
  private static String ownCheckpoint(Path root) throws Exception {
    return Files.createDirectories(root.resolve(UUID.randomUUID().toString()).resolve("rdd-1"))
        .toUri().toString();
  }

  /**
   * The reviewer's defect: a stock application checkpointed an RDD under a shared root and reads
   * it for hours, nothing in its directory changing. Another application's sweep (retention on,
   * keepLast=0) must leave it, and the stock application must still read its checkpoint.
   */
  @Test
  void aRunningStockApplicationsCheckpointIsNeverSweptByDefault() throws Exception {
    Path root = tmp.resolve("shared");
    SparkContext stock = LocalSpark.stock(Map.of());
    try {
      stock.setCheckpointDir(root.toString());
      JavaRDD<Integer> rdd = JavaSparkContext.fromSparkContext(stock)
          .parallelize(List.of(1, 2, 3, 4), 2).map(i -> i * 2);
      rdd.checkpoint();
      assertEquals(4, rdd.count());
      Path stockDir = Path.of(java.net.URI.create(stock.getCheckpointDir().get()));
      setTimes(stockDir, Instant.now().minus(Duration.ofHours(3))); // read, not written, for 3h

      try (AuditLog audit = audit();
          RetentionSweeper sweeper = new RetentionSweeper(true, 0, HOUR, false, false, audit)) {
        sweeper.afterCheckpoint(ownCheckpoint(root), conf);
        sweeper.awaitSweeps();
      }

      assertTrue(Files.exists(stockDir), "the stock application's directory, no owner marker,"
          + " idle for 3h, was swept: " + cleaned());
      assertEquals(List.of(2, 4, 6, 8), rdd.collect(), "the stock application still reads it");
      assertTrue(cleaned().isEmpty(), cleaned().toString());
    } finally {
      LocalSpark.stop(stock);
    }
  }

  /**
   * {@code files.retention.includeUnowned} opts in to directories without owner marker: one
   * idle beyond {@code olderThan} (plus 5 min for clock differences) goes, one changed recently
   * stays; without the setting both stay.
   */
  @Test
  void anUnownedDirectoryIsSweptOnlyWhenTheSettingOptsInAndOnlyOnceIdle() throws Exception {
    Path root = tmp.resolve("unowned");
    Path idle = run(root);
    setTimes(idle, Instant.now().minus(Duration.ofHours(3)));
    Path recent = run(root);
    setTimes(recent, Instant.now().minus(Duration.ofMinutes(50))); // olderThan 1h: not yet
    String own = ownCheckpoint(root);

    try (AuditLog audit = audit();
        RetentionSweeper sweeper = new RetentionSweeper(true, 0, HOUR, false, false, audit)) {
      sweeper.afterCheckpoint(own, conf);
      sweeper.awaitSweeps();
    }
    assertTrue(Files.exists(idle) && Files.exists(recent), "not opted in: " + cleaned());

    try (AuditLog audit = audit();
        RetentionSweeper sweeper = new RetentionSweeper(true, 0, HOUR, true, false, audit)) {
      sweeper.afterCheckpoint(own, conf);
      sweeper.awaitSweeps();
    }
    assertFalse(Files.exists(idle), "opted in, idle for 3h");
    assertTrue(Files.exists(recent), "opted in, but changed 50 min ago");
    assertEquals(1, cleaned().size(), cleaned().toString());
    assertTrue(cleaned().get(0).get("reason").toString().contains("without owner marker"),
        cleaned().toString());
  }

  /**
   * A sweep that fails with an Error (the root's listing throws a linkage error, as a broken
   * file system client may) is one event and reaches nobody; the next due sweep runs and
   * removes what is dead.
   */
  @Test
  void aFailedSweepIsReportedOnceAndTheNextOneRuns() throws Exception {
    GatedFileSystem.reset();
    GatedFileSystem.release.countDown(); // no gate: listings go on at once
    GatedFileSystem.nextListingError.set(new NoClassDefFoundError("injected listing failure"));
    Configuration gated = GatedFileSystem.conf();
    Path root = tmp.resolve(GatedFileSystem.GATED_ROOT);
    Path dead = run(root);
    marker(dead, "gone", System.currentTimeMillis() - 24 * HOUR);
    setTimes(dead, Instant.now().minus(Duration.ofDays(1)));
    String own = GatedFileSystem.path(Path.of(java.net.URI.create(ownCheckpoint(root))))
        .toString();
    AtomicLong driverNow = new AtomicLong(System.currentTimeMillis());
    try (AuditLog audit = audit();
        RetentionSweeper sweeper = new RetentionSweeper(true, 0, HOUR, false, false, audit,
            driverNow::get)) {
      sweeper.start("app-sweeping", "sweeping", scala.Option::empty, gated, degraded::add);
      sweeper.afterCheckpoint(own, gated);
      sweeper.awaitSweeps();
      assertTrue(Files.exists(dead), "the failed sweep removed nothing");
      assertEquals(1, degraded.size(), degraded.toString());
      assertTrue(degraded.get(0).startsWith("retention sweep failed")
          && degraded.get(0).contains("injected"), degraded.get(0));

      driverNow.addAndGet(HOUR); // the next sweep is due
      sweeper.afterCheckpoint(own, gated);
      sweeper.awaitSweeps();
    }
    assertFalse(Files.exists(dead), "the next sweep ran: " + cleaned());
    assertEquals(1, degraded.size(), "reported once: " + degraded);
  }

  /**
   * The sweeping driver's clock is two hours ahead; the live owner's driver clock three hours
   * behind, so the heartbeat it wrote into its marker a moment ago says "three hours ago". The
   * storage stamped that marker now: the owner is live. The dead owner's marker was stamped a day
   * ago: it is swept, whatever the clocks.
   */
  @Test
  void aLiveOwnerIsJudgedOnTheStoragesClockNotOnAnyDriversClock() throws Exception {
    Path root = tmp.resolve("skewed");
    Path live = run(root);
    Path dead = run(root);
    setTimes(live, Instant.now().minus(Duration.ofDays(1))); // only reads its checkpoint
    marker(live, "reader", System.currentTimeMillis() - 3 * HOUR); // renewed just now
    marker(dead, "reader", System.currentTimeMillis() - 3 * HOUR);
    setTimes(dead, Instant.now().minus(Duration.ofDays(1)));

    try (AuditLog audit = audit();
        RetentionSweeper sweeper = new RetentionSweeper(true, 0, HOUR, false, false, audit,
            () -> System.currentTimeMillis() + 2 * HOUR)) {
      sweeper.afterCheckpoint(ownCheckpoint(root), conf);
      sweeper.awaitSweeps();
    }

    assertTrue(Files.exists(live), "its owner renewed the heartbeat a moment ago by the"
        + " storage's clock: swept " + cleaned());
    assertFalse(Files.exists(dead), "no heartbeat and no file changed for a day");
  }

  /**
   * A sweep that takes long (here: a listing of the root held until the test releases it) does
   * not hold up the heartbeat: the owner marker is still renewed on schedule meanwhile.
   */
  @Test
  void aLongSweepDoesNotDelayTheHeartbeat() throws Exception {
    GatedFileSystem.reset();
    Configuration gated = GatedFileSystem.conf();
    Path root = Files.createDirectories(tmp.resolve(GatedFileSystem.GATED_ROOT));
    String own = GatedFileSystem.path(root.resolve(UUID.randomUUID().toString())).toString();
    // olderThan 4 s (below what the settings accept) renews the heartbeat every second
    try (AuditLog audit = audit();
        RetentionSweeper sweeper = new RetentionSweeper(true, 0, 4_000L, false, false, audit,
            System::currentTimeMillis)) {
      try {
        sweeper.start("app-sweeping", "sweeping", () -> scala.Option.apply(own), gated,
            degraded::add);
        sweeper.afterCheckpoint(own + "/rdd-1", gated);
        assertTrue(GatedFileSystem.listingWaits.await(60, TimeUnit.SECONDS), "a sweep started");
        GatedFileSystem.markersWritten.drainPermits();
        assertTrue(GatedFileSystem.markersWritten.tryAcquire(2, 30, TimeUnit.SECONDS),
            "two heartbeats (one a second) while the sweep runs, none in 30 s");
      } finally {
        GatedFileSystem.release.countDown();
      }
    }
  }

  /**
   * A Throwable inside a scheduled heartbeat (here a linkage error from the first look at the
   * checkpoint directory) does not stop the later heartbeats.
   */
  @Test
  void aFailedHeartbeatDoesNotStopTheLaterOnes() throws Exception {
    GatedFileSystem.reset();
    Configuration gated = GatedFileSystem.conf();
    String own = GatedFileSystem.path(tmp.resolve("cp").resolve(UUID.randomUUID().toString()))
        .toString();
    AtomicInteger looks = new AtomicInteger();
    try (AuditLog audit = audit();
        RetentionSweeper sweeper = new RetentionSweeper(false, 0, 4_000L, false, false, audit,
            System::currentTimeMillis)) {
      sweeper.start("app-sweeping", "sweeping", () -> {
        if (looks.getAndIncrement() == 0) {
          throw new NoClassDefFoundError("injected into the first heartbeat");
        }
        return scala.Option.apply(own);
      }, gated, degraded::add);
      assertTrue(GatedFileSystem.markersWritten.tryAcquire(2, 30, TimeUnit.SECONDS),
          "the heartbeats after the failed one write the marker; not twice in 30 s after "
              + looks.get() + " looks at the checkpoint directory");
    }
    assertEquals(1, degraded.size(), "one event for the failure: " + degraded);
    assertTrue(degraded.get(0).contains("heartbeat") && degraded.get(0).contains("injected"),
        degraded.get(0));
  }

  /**
   * The directory {@code setCheckpointDir} creates holds no file until the first checkpoint:
   * nothing proves it idle, so even with unowned directories opted in it is kept (its own time
   * where the storage keeps one, else unknown: live). It was swept as idle since 1970.
   */
  @Test
  void anEmptyDirectoryOfAJustStartedApplicationIsNotIdle() throws Exception {
    Path root = tmp.resolve("shared");
    Path fresh = Files.createDirectories(root.resolve(UUID.randomUUID().toString()));
    try (AuditLog audit = audit();
        RetentionSweeper sweeper = new RetentionSweeper(true, 0, HOUR, true, false, audit)) {
      sweeper.afterCheckpoint(ownCheckpoint(root), conf);
      sweeper.awaitSweeps();
    }
    assertTrue(Files.exists(fresh), "an empty directory created a moment ago: " + cleaned());
  }

  /** A second store, as s3a:// beside an hdfs:// default file system: its own namespace. */
  public static final class OtherStore extends org.apache.hadoop.fs.RawLocalFileSystem {
    static volatile String base;

    @Override
    public java.net.URI getUri() {
      return java.net.URI.create("other:///");
    }

    @Override
    public String getScheme() {
      return "other";
    }

    @Override
    public java.io.File pathToFile(org.apache.hadoop.fs.Path path) {
      return new java.io.File(base + path.toUri().getPath());
    }
  }

  /**
   * A checkpoint this application reads on a store that is not the default file system keeps
   * its directory protected: whether it still exists is asked of its own store. Asked of the
   * default one, it was "gone", forgotten, and its directory swept.
   */
  @Test
  void aCheckpointReadOnAnotherStoreThanTheDefaultStaysProtected() throws Exception {
    OtherStore.base = tmp.resolve("store").toString();
    Configuration other = new Configuration();
    other.set("fs.other.impl", OtherStore.class.getName());
    other.setBoolean("fs.other.impl.disable.cache", true);
    String previous = UUID.randomUUID().toString();
    Path previousDir = tmp.resolve("store/root/" + previous);
    Files.writeString(Files.createDirectories(previousDir.resolve("rdd-7")).resolve("part-00000"),
        "x");
    new OwnerMarker("app-previous", "job", 0).write(FileSystem.get(
        java.net.URI.create("other:///"), other), new org.apache.hadoop.fs.Path("other:///root/"
        + previous));
    setTimes(previousDir, Instant.now().minus(Duration.ofHours(3)));
    String own = "other:///root/" + UUID.randomUUID() + "/rdd-1";
    Files.createDirectories(tmp.resolve("store" + java.net.URI.create(own).getPath()));
    try (AuditLog audit = audit();
        RetentionSweeper sweeper = new RetentionSweeper(true, 0, HOUR, false, false, audit)) {
      sweeper.referenced("other:///root/" + previous + "/rdd-7");
      assertEquals(0, sweeper.prune(other), "the checkpoint it reads still exists");
      sweeper.afterCheckpoint(own, other);
      sweeper.awaitSweeps();
    }
    assertTrue(Files.exists(previousDir.resolve("rdd-7/part-00000")),
        "the previous run's checkpoint this application reads: " + cleaned());
  }

  /** A store whose every status call hangs until released, as an unreachable NameNode. */
  public static final class HangingStore extends org.apache.hadoop.fs.RawLocalFileSystem {
    static volatile java.util.concurrent.CountDownLatch release;

    @Override
    public java.net.URI getUri() {
      return java.net.URI.create("hang:///");
    }

    @Override
    public String getScheme() {
      return "hang";
    }

    @Override
    public boolean exists(org.apache.hadoop.fs.Path f) throws java.io.IOException {
      getFileStatus(f); // RawLocalFileSystem answers exists from the local disk directly
      return false;
    }

    @Override
    public org.apache.hadoop.fs.FileStatus getFileStatus(org.apache.hadoop.fs.Path f)
        throws java.io.IOException {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new java.io.IOException("unreachable: " + f);
    }
  }

  /**
   * Checking whether the checkpoints this application reads still exist never holds up its
   * heartbeat: with their store hanging, the owner marker is still renewed every period.
   */
  @Test
  void aHangingStoreOfAReadCheckpointDoesNotDelayTheHeartbeat() throws Exception {
    GatedFileSystem.reset();
    HangingStore.release = new java.util.concurrent.CountDownLatch(1);
    Configuration gated = GatedFileSystem.conf();
    gated.set("fs.hang.impl", HangingStore.class.getName());
    gated.setBoolean("fs.hang.impl.disable.cache", true);
    gated.set("fs.defaultFS", "hang:///"); // an hdfs:// default, unreachable for a while
    String own = GatedFileSystem.path(Files.createDirectories(tmp.resolve("cp"))
        .resolve(UUID.randomUUID().toString())).toString();
    try (AuditLog audit = audit();
        RetentionSweeper sweeper = new RetentionSweeper(false, 0, 4_000L, false, false, audit,
            System::currentTimeMillis)) {
      try {
        sweeper.referenced("hang:///old-root/" + UUID.randomUUID() + "/rdd-7");
        sweeper.start("app-sweeping", "sweeping", () -> scala.Option.apply(own), gated,
            degraded::add);
        assertTrue(GatedFileSystem.markersWritten.tryAcquire(4, 30, TimeUnit.SECONDS),
            "four heartbeats (one a second) while the read checkpoint's store hangs");
      } finally {
        HangingStore.release.countDown();
      }
    }
  }
}
