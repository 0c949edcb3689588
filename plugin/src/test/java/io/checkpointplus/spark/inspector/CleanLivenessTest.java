package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.files.OwnerMarker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clean} removes only what it can prove dead: a directory whose owner's heartbeat
 * expired, judged on the storage's clock. A directory without an owner marker (stock Spark, or
 * an application without the plugin) may be read by a running application for hours without a
 * file changing: it is kept unless {@code --include-unowned} asks otherwise.
 */
class CleanLivenessTest {
  private static final long HOUR = 3_600_000L;
  @TempDir
  static java.nio.file.Path tmp;
  static SparkContext sc;
  static JavaSparkContext jsc;

  @BeforeAll
  static void stockSpark() {
    Fixtures.onlyWithTheDefaultSerializer(); // decisions on names and times, not on records
    sc = LocalSpark.stock(Map.of());
    jsc = JavaSparkContext.fromSparkContext(sc);
  }

  @AfterAll
  static void stop() {
    if (sc != null) {
      LocalSpark.stop(sc);
    }
  }

  private static List<String> expected() {
    return IntStream.range(0, 100).mapToObj(i -> "r" + i).collect(Collectors.toList());
  }

  /** A stock Spark checkpoint under a fresh root, read once (so from now on from its files). */
  private static JavaRDD<String> stockCheckpoint(java.nio.file.Path root) {
    sc.setCheckpointDir(root.toString());
    JavaRDD<String> rdd = jsc.parallelize(IntStream.range(0, 100).boxed()
        .collect(Collectors.toList()), 2).map(i -> "r" + i);
    rdd.checkpoint();
    assertEquals(100, rdd.count());
    assertTrue(rdd.isCheckpointed());
    return rdd;
  }

  private static Path uuidDir() {
    return new Path(sc.getCheckpointDir().get());
  }

  /** Sets the times of {@code dir} and everything below it (checksum files too) to {@code ms}. */
  private static void setTimes(FileSystem fs, Path dir, long ms) throws Exception {
    for (FileStatus s : fs.listStatus(dir)) {
      if (s.isDirectory()) {
        setTimes(fs, s.getPath(), ms);
      }
      fs.setTimes(s.getPath(), ms, -1);
    }
    fs.setTimes(dir, ms, -1);
  }

  private static FileSystem local() throws Exception {
    return FileSystem.getLocal(new Configuration()).getRaw();
  }

  /**
   * Issue 19, defect 1: a stock application reads its checkpoint for hours, nothing in it
   * changes; clean must not remove it, and the application still reads it afterwards.
   */
  @Test
  void stockCheckpointOfARunningApplicationIsNotRemovedByDefault() throws Exception {
    java.nio.file.Path root = tmp.resolve("stock-" + UUID.randomUUID());
    JavaRDD<String> rdd = stockCheckpoint(root);
    Path dir = uuidDir();
    setTimes(local(), dir, System.currentTimeMillis() - 3 * HOUR);

    InspectorRun dry = InspectorRun.of("clean", root.toString(), "--keep-last", "0",
        "--dry-run");
    assertEquals(0, dry.exitCode(), dry.toString());
    assertTrue(dry.out().contains("0 directories would be removed"), dry.out());
    InspectorRun run = InspectorRun.of("clean", root.toString(), "--keep-last", "0");
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(local().exists(dir), run.toString());
    assertTrue(run.out().contains("keep         " + dir) && run.out().contains("no owner"),
        run.out());
    assertTrue(run.out().contains("--include-unowned"), "says how to remove it: " + run.out());
    assertEquals(expected(), rdd.collect(), "the running application still reads it");
  }

  /**
   * With {@code --include-unowned}, a directory without owner is removed once nothing in it
   * changed for --older-than (on the storage's clock), never sooner.
   */
  @Test
  void unownedDirectoryIsRemovedOnlyWithIncludeUnownedAndOnlyWhenIdle() throws Exception {
    java.nio.file.Path root = tmp.resolve("opt-in-" + UUID.randomUUID());
    stockCheckpoint(root);
    Path dir = uuidDir();

    InspectorRun fresh = InspectorRun.of("clean", root.toString(), "--keep-last", "0",
        "--include-unowned");
    assertEquals(0, fresh.exitCode(), fresh.toString());
    assertTrue(local().exists(dir), "written just now: kept even with the option\n" + fresh);

    setTimes(local(), dir, System.currentTimeMillis() - 3 * HOUR);
    InspectorRun run = InspectorRun.of("clean", root.toString(), "--keep-last", "0",
        "--include-unowned");
    assertEquals(0, run.exitCode(), run.toString());
    assertFalse(local().exists(dir), run.toString());
    assertTrue(run.out().contains("removed      " + dir), run.out());
    assertTrue(CheckpointPlusCommand.USAGE.contains("--include-unowned"), "documented");
  }

  private static void write(FileSystem fs, Path file) throws Exception {
    try (FSDataOutputStream out = fs.create(file, true)) {
      out.write("x".getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * The storage's clock is two hours behind the inspector's (or the inspector's ahead): an
   * owner that renewed its heartbeat a moment ago, by the storage's clock, is live whatever the
   * inspector's clock says, and whatever time its driver wrote into the marker; an owner whose
   * heartbeat the storage stamped three hours ago is dead.
   */
  @Test
  void ownerIsJudgedOnTheStoragesClockNotTheInspectors() throws Exception {
    Configuration conf = new Configuration();
    conf.set("fs.skewed.impl", SkewedClockFileSystem.class.getName());
    conf.setBoolean("fs.skewed.impl.disable.cache", true);
    Path root = SkewedClockFileSystem.path(tmp.resolve("skewed-" + UUID.randomUUID()));
    FileSystem fs = root.getFileSystem(conf);
    long storageNow = System.currentTimeMillis() - SkewedClockFileSystem.BEHIND_MS;
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path dir = new Path(root, UUID.randomUUID().toString());
      write(fs, new Path(dir, "rdd-1/part-00000"));
      dirs.add(dir);
    }
    Path live = dirs.get(0);
    Path liveDriverBehind = dirs.get(1);
    Path dead = dirs.get(2);
    // a driver whose clock agrees with the storage's, renewing now
    new OwnerMarker("app-live", "app", storageNow).write(fs, live);
    // a driver whose clock is three hours behind, renewing now: the storage stamps the file now
    new OwnerMarker("app-behind", "app", storageNow - 3 * HOUR).write(fs, liveDriverBehind);
    new OwnerMarker("app-dead", "app", storageNow - 3 * HOUR).write(fs, dead);
    setTimes(fs, dead, storageNow - 3 * HOUR);

    List<String> args = new ArrayList<>(List.of("clean", root.toString(), "--keep-last", "0"));
    args.addAll(List.of(SkewedClockFileSystem.conf()));
    InspectorRun run = InspectorRun.of(args.toArray(new String[0]));
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(fs.exists(new Path(live, "rdd-1/part-00000")), run.toString());
    assertTrue(fs.exists(new Path(liveDriverBehind, "rdd-1/part-00000")), run.toString());
    assertFalse(fs.exists(dead), run.toString());
  }

  /**
   * With read-only credentials the storage's clock cannot be read (the probe file cannot be
   * written). A dry run still answers, judging ages against the newest file time in the root, a
   * time the storage's clock has certainly reached: ages are never overstated, so it never
   * lists a directory the real run would keep, and it says it may list fewer. The real run
   * removes nothing and says why.
   */
  @Test
  void dryRunWithReadOnlyCredentialsJudgesAgainstTheNewestFileAndSaysSo() throws Exception {
    java.nio.file.Path local = tmp.resolve("read-only-" + UUID.randomUUID());
    FileSystem fs = local();
    long now = System.currentTimeMillis();
    Path root = new Path(local.toAbsolutePath().toString());
    Path live = new Path(root, UUID.randomUUID().toString());
    Path dead = new Path(root, UUID.randomUUID().toString());
    write(fs, new Path(live, "rdd-1/part-00000"));
    write(fs, new Path(dead, "rdd-1/part-00000"));
    new OwnerMarker("app-live", "app", now).write(fs, live);
    new OwnerMarker("app-dead", "app", now - 3 * HOUR).write(fs, dead);
    setTimes(fs, dead, now - 3 * HOUR);
    String readOnlyRoot = ReadOnlyFileSystem.path(local).toString();

    List<String> args = new ArrayList<>(List.of("clean", readOnlyRoot, "--keep-last", "0",
        "--dry-run"));
    args.addAll(List.of(ReadOnlyFileSystem.conf()));
    InspectorRun dry = InspectorRun.of(args.toArray(new String[0]));
    assertEquals(0, dry.exitCode(), dry.toString());
    assertTrue(dry.out().contains("would remove " + ReadOnlyFileSystem.SCHEME + ":" + dead
        .toUri().getPath()), dry.out());
    assertTrue(dry.out().contains("1 directories would be removed"), dry.out());
    assertTrue(dry.out().contains("lower bound"), "says how ages were judged: " + dry.out());

    args.remove("--dry-run");
    InspectorRun run = InspectorRun.of(args.toArray(new String[0]));
    assertEquals(3, run.exitCode(), run.toString());
    assertTrue(run.err().contains("Nothing removed"), run.toString());
    assertTrue(fs.exists(dead) && fs.exists(live), "nothing removed");
  }
}
