package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Applications sharing one {@code s3a://} checkpoint root on a real S3 API (s3proxy, in-memory
 * store, behind S3A, which reports every directory's time as 0). Every application is a real
 * SparkContext with the plugin; they run one after another. Nothing waits: "a day later" is
 * made by moving the Last-Modified of earlier applications' objects a day back in the store
 * ({@link InProcessS3#age}), the storage's clock by which retention judges ages. The sweeping
 * application's driver clock is a day ahead besides ({@link RetentionSweeper#useClockForNewSweepers}):
 * retention never compares it with a storage time.
 *
 * <ul>
 *   <li>A dead application's directory: every object, its owner marker included, a day old at
 *       the sweep.</li>
 *   <li>A live application's directory: its objects are just as old, but its heartbeat thread
 *       renewed its owner marker, which the store stamped just now. It is the dead one's twin
 *       (same application name, same checkpoints) but for that heartbeat.</li>
 * </ul>
 */
class S3SharedRootRetentionTest extends WithLocalSpark {
  private static final String BUCKET = "shared";
  private static final long DAY_MS = 24 * 3_600_000L;
  private static final long OLDER_THAN_MS = RetentionSweeper.MIN_OLDER_THAN_MS;
  private static InProcessS3 s3;
  private static BlobStore store;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = InProcessS3.start(BUCKET);
    store = s3.store;
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  @AfterEach
  void systemClock() {
    RetentionSweeper.useClockForNewSweepers(null);
  }

  private static Map<String, String> s3a(Map<String, String> extra) {
    return s3.sparkSettings(extra);
  }

  private static FileSystem s3() throws Exception {
    Configuration conf = new Configuration();
    s3a(Map.of()).forEach((k, v) -> conf.set(k.substring("spark.hadoop.".length()), v));
    return new Path("s3a://" + BUCKET + "/").getFileSystem(conf);
  }

  /** The sweep's settings: retention on, {@code olderThan} the minimum. */
  private static Map<String, String> sweeping(int keepLast) {
    return Map.of("spark.checkpointplus.files.retention.enabled", "true",
        "spark.checkpointplus.files.retention.keepLast", Integer.toString(keepLast),
        "spark.checkpointplus.files.retention.olderThan", "10min");
  }

  /** What one run of an application left: its {@code <uuid>} directory and its id. */
  private record Run(Path dir, String appId) {
  }

  /**
   * One run of application {@code appName}: a real SparkContext checkpoints one small RDD under
   * {@code root}, waits for its retention thread (the owner marker written after the
   * checkpoint, a sweep if retention is on) and stops, so its heartbeat stops too.
   */
  private Run run(String root, String appName, Map<String, String> settings) throws Exception {
    Map<String, String> conf = s3a(settings);
    conf.put("spark.app.name", appName);
    sc = LocalSpark.withPlugin(audit(), conf);
    sc.setCheckpointDir(root);
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3, 4), 2)
        .map(x -> x * 2);
    rdd.checkpoint();
    assertEquals(4, rdd.count());
    assertTrue(rdd.isCheckpointed());
    RetentionSweeper.awaitAllSweeps();
    Run run = new Run(new Path(sc.getCheckpointDir().get()), sc.applicationId());
    LocalSpark.stop(sc);
    sc = null;
    assertTrue(exists(run.dir()), run.dir().toString());
    return run;
  }

  /** Any object under {@code dir}, read from the store itself. */
  private static boolean exists(Path dir) {
    String prefix = dir.toUri().getPath().substring(1) + "/";
    return !store.list(BUCKET, ListContainerOptions.Builder.prefix(prefix).recursive())
        .isEmpty();
  }

  private static OwnerMarker marker(Run run) throws Exception {
    OwnerMarker m = OwnerMarker.read(s3(), run.dir()).orElseThrow();
    assertEquals(run.appId(), m.appId(), "the marker of " + run.dir() + " is its own run's");
    return m;
  }

  /** The latest object time under {@code dir} as S3A lists it (the marker's object included). */
  private static long latestObjectTime(Path dir) throws Exception {
    long latest = 0;
    int objects = 0;
    RemoteIterator<LocatedFileStatus> files = s3().listFiles(dir, true);
    while (files.hasNext()) {
      latest = Math.max(latest, files.next().getModificationTime());
      objects++;
    }
    assertTrue(objects > 2 && latest > 0, objects + " objects under " + dir + ", latest "
        + latest);
    return latest;
  }

  /** The directories retention swept, by the audit log's {@code checkpoint.cleaned} events. */
  private Set<String> swept() {
    List<JsonNode> cleaned = LocalSpark.events(audit(), "checkpoint.cleaned").stream()
        .filter(e -> e.has("reason") && e.get("reason").asText().startsWith("retention"))
        .collect(Collectors.toList());
    cleaned.forEach(e -> assertTrue(e.get("deleted").asBoolean(), e.toString()));
    return cleaned.stream().map(e -> new Path(e.get("dir").asText()).toUri().getPath())
        .collect(Collectors.toSet());
  }

  private static String path(Run run) {
    return run.dir().toUri().getPath();
  }

  /** The store's key prefix of the objects under {@code dir}. */
  private static String key(Path dir) {
    return dir.toUri().getPath().substring(1) + "/";
  }

  /** The Last-Modified of {@code dir}'s owner marker, as S3A reports it. */
  private static long markerTime(Run run) throws Exception {
    return s3().getFileStatus(new Path(run.dir(), OwnerMarker.FILE_NAME)).getModificationTime();
  }

  /**
   * keepLast=0: the sweep keeps nothing by count, so only liveness decides. The dead run and
   * the live one are twins but for the heartbeat; the live one's objects but its marker are as
   * old as the dead one's, so without its heartbeat it would be idle too. The sweeping driver's
   * clock is a day ahead of the store's: the live run's heartbeat, by that clock a day old,
   * still counts as fresh.
   */
  @Test
  void aLiveApplicationsDirectoryIsNeverSweptADeadOnesIs() throws Exception {
    String root = "s3a://" + BUCKET + "/live-and-dead";
    Run dead = run(root, "alpha", Map.of());
    Run live = run(root, "alpha", Map.of());
    s3.age(key(dead.dir()), DAY_MS, k -> false);
    // its heartbeat thread renewed the marker just now; its checkpoint was written a day ago
    s3.age(key(live.dir()), DAY_MS, k -> k.endsWith("/" + OwnerMarker.FILE_NAME));
    long beforeSweep = System.currentTimeMillis();
    // The premises, read before the sweep: the two differ only in their heartbeat.
    assertEquals("alpha", marker(dead).appName());
    assertEquals("alpha", marker(live).appName());
    assertTrue(beforeSweep - markerTime(dead) >= DAY_MS, "the dead run's heartbeat is a day old");
    assertTrue(beforeSweep - latestObjectTime(dead.dir()) >= DAY_MS - 60_000,
        "the dead run's objects are a day old");
    assertTrue(beforeSweep - markerTime(live) < OLDER_THAN_MS, "the live run's heartbeat is"
        + " fresh by the store's clock: " + (beforeSweep - markerTime(live)) + " ms old");
    long liveCheckpointFiles = 0;
    RemoteIterator<LocatedFileStatus> files = s3().listFiles(live.dir(), true);
    while (files.hasNext()) {
      LocatedFileStatus f = files.next();
      if (!f.getPath().getName().equals(OwnerMarker.FILE_NAME)) {
        liveCheckpointFiles++;
        assertTrue(beforeSweep - f.getModificationTime() >= DAY_MS - 60_000,
            "without its heartbeat the live run would be idle: " + f.getPath());
      }
    }
    assertTrue(liveCheckpointFiles > 1, "the live run's checkpoint files");

    RetentionSweeper.useClockForNewSweepers(() -> System.currentTimeMillis() + DAY_MS);
    Run sweeper = run(root, "gamma", sweeping(0));

    assertTrue(exists(live.dir()), "a live application's directory, keepLast=0, objects a day"
        + " old, is kept by its heartbeat, whatever the sweeping driver's clock: " + live.dir());
    assertFalse(exists(dead.dir()), "a dead application's directory is swept: " + dead.dir());
    assertTrue(exists(sweeper.dir()), "the sweeping application's own directory");
    assertEquals(Set.of(path(dead)), swept());
  }

  /**
   * keepLast=1 counts per application name: "alpha"'s newest earlier directory is kept though
   * "beta" has two newer ones under the same root; counted over the root, only "beta"'s newest
   * would be kept. Every earlier run is dead (every object a day old, in the order they ran).
   */
  @Test
  void keepLastCountsTheNewestDirectoriesOfEachApplicationName() throws Exception {
    String root = "s3a://" + BUCKET + "/keep-last";
    Run alphaOlder = run(root, "alpha", Map.of());
    Run alphaNewest = run(root, "alpha", Map.of());
    Run betaOlder = run(root, "beta", Map.of());
    Run betaNewest = run(root, "beta", Map.of());
    // A day old, 10 s apart in the order they ran: S3 keeps times to the second, and runs a few
    // milliseconds apart could otherwise tie, leaving which is newest undecided.
    List<Run> inOrder = List.of(alphaOlder, alphaNewest, betaOlder, betaNewest);
    for (int i = 0; i < inOrder.size(); i++) {
      s3.age(key(inOrder.get(i).dir()), DAY_MS + (inOrder.size() - i) * 10_000L, k -> false);
    }
    long[] heartbeats = {markerTime(alphaOlder), markerTime(alphaNewest),
        markerTime(betaOlder), markerTime(betaNewest)};
    for (int i = 1; i < heartbeats.length; i++) {
      assertTrue(heartbeats[i - 1] < heartbeats[i], "runs in this order, each newer: "
          + java.util.Arrays.toString(heartbeats));
    }
    assertTrue(System.currentTimeMillis() - heartbeats[3] >= DAY_MS, "all dead a day");

    Run alphaNow = run(root, "alpha", sweeping(1));

    assertTrue(exists(alphaNow.dir()), "own directory");
    assertTrue(exists(alphaNewest.dir()), "alpha's newest earlier directory: beta's newer"
        + " directories do not use up alpha's keepLast=1 " + alphaNewest.dir());
    assertTrue(exists(betaNewest.dir()), "beta's newest " + betaNewest.dir());
    assertFalse(exists(alphaOlder.dir()), "alpha's older, beyond its newest " + alphaOlder.dir());
    assertFalse(exists(betaOlder.dir()), "beta's older, beyond its newest " + betaOlder.dir());
    assertEquals(Set.of(path(alphaOlder), path(betaOlder)), swept());
  }
}
