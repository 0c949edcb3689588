package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.files.OwnerMarker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializationStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clean} by the plugin's retention rules (never a live directory, never one a streaming
 * metadata checkpoint references, the newest {@code keepLast} kept), and {@code diff} of the
 * same RDD checkpointed by stock Spark and by the plugin.
 */
class CleanAndDiffTest {
  @TempDir
  static Path tmp;
  static Path stock;
  static Path plugin;
  static RddCheckpoints stockMade;
  static RddCheckpoints pluginMade;

  @BeforeAll
  static void writeCheckpoints() throws Exception {
    stock = Fixtures.stock();
    plugin = Fixtures.plugin();
    stockMade = Fixtures.stockMade();
    pluginMade = Fixtures.pluginMade();
  }

  /** The streaming root: only the clean tests need it, and they run once (no serializer). */
  private static Path streaming() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    return Fixtures.streaming();
  }

  /** Makes {@code dir} look abandoned since {@code age} ago by {@code appName}. */
  private static void age(Path dir, String appName, Duration age) throws Exception {
    long when = System.currentTimeMillis() - age.toMillis();
    new OwnerMarker("app-" + appName, appName, when).write(FileSystem.getLocal(
        new Configuration()), new org.apache.hadoop.fs.Path(dir.toUri()));
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        Files.setLastModifiedTime(p, FileTime.fromMillis(when));
      }
    }
  }

  /** Renews the owner heartbeat of {@code dir} now, as a running application does. */
  static void heartbeatNow(Path dir) throws Exception {
    new OwnerMarker("app-live", "checkpoint-plus-test", System.currentTimeMillis()).write(
        FileSystem.getLocal(new Configuration()), new org.apache.hadoop.fs.Path(dir.toUri()));
  }

  private static Path oldRun(Path root, String appName, int days) throws Exception {
    Path dir = Files.createDirectories(root.resolve(UUID.randomUUID().toString())
        .resolve("rdd-3"));
    Files.writeString(dir.resolve("part-00000"), "x");
    age(dir.getParent(), appName, Duration.ofDays(days));
    return dir.getParent();
  }

  /** A root with the streaming application's files plus three idle runs of another app. */
  private static Map<String, Path> rootWithEarlierRuns() throws Exception {
    Path root = tmp.resolve("clean-" + UUID.randomUUID());
    RddCheckpoints.copy(streaming(), root);
    Path streamingDir = RddCheckpoints.rddDirs(root).get(0).getParent();
    age(streamingDir, "inspected-stream", Duration.ofDays(5));
    Path live = RddCheckpoints.rddDirs(plugin).get(0).getParent();
    Path liveCopy = root.resolve(live.getFileName().toString());
    RddCheckpoints.copy(live, liveCopy);
    heartbeatNow(liveCopy); // as its running owner renews it
    return Map.of("root", root, "streaming", streamingDir, "live", liveCopy,
        "newest", oldRun(root, "old-app", 2), "middle", oldRun(root, "old-app", 3),
        "oldest", oldRun(root, "old-app", 4));
  }

  @Test
  void cleanRemovesOnlyIdleUnreferencedRunsBeyondKeepLast() throws Exception {
    Map<String, Path> dirs = rootWithEarlierRuns();
    Path root = dirs.get("root");
    InspectorRun dry = InspectorRun.of("clean", root.toString(), "--keep-last", "1",
        "--dry-run");
    assertEquals(0, dry.exitCode(), dry.toString());
    assertTrue(dry.out().contains("would remove " + "file:" + dirs.get("oldest")), dry.out());
    assertTrue(dry.out().contains("2 directories would be removed"), dry.out());
    for (Path p : dirs.values()) {
      assertTrue(Files.exists(p), "dry run deletes nothing: " + p);
    }

    InspectorRun run = InspectorRun.of("clean", root.toString(), "--keep-last", "1", "--json");
    assertEquals(0, run.exitCode(), run.toString());
    assertFalse(Files.exists(dirs.get("oldest")));
    assertFalse(Files.exists(dirs.get("middle")));
    assertTrue(Files.exists(dirs.get("newest")), "the newest run of old-app is kept");
    assertTrue(Files.exists(dirs.get("streaming")), "referenced by the streaming metadata");
    assertTrue(Files.exists(dirs.get("live")), "live");
    for (JsonNode d : run.json().get("directories")) {
      if (d.get("dir").asText().endsWith(dirs.get("streaming").getFileName().toString())) {
        assertTrue(d.get("reason").asText().startsWith("referenced by a streaming metadata"),
            d.toString());
      }
    }
  }

  @Test
  void cleanNeverRemovesALiveDirectory() throws Exception {
    Map<String, Path> dirs = rootWithEarlierRuns();
    InspectorRun run = InspectorRun.of("clean", dirs.get("root").toString(), "--keep-last",
        "0", "--older-than", "10min");
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(Files.exists(dirs.get("live")), run.out());
    assertTrue(Files.exists(dirs.get("streaming")), run.out());
    assertFalse(Files.exists(dirs.get("newest")), run.out());
    assertTrue(run.out().contains("keep         file:" + dirs.get("live") + "  (live:"),
        run.out());
  }

  @Test
  void cleanRemovesNothingWhenAMetadataFileCannotBeRead() throws Exception {
    Map<String, Path> dirs = rootWithEarlierRuns();
    Path torn = dirs.get("root").resolve("checkpoint-" + (System.currentTimeMillis() + 60_000));
    Files.write(torn, new byte[] {1, 2, 3});
    InspectorRun run = InspectorRun.of("clean", dirs.get("root").toString(), "--keep-last",
        "0");
    assertEquals(3, run.exitCode(), run.toString());
    assertTrue(run.err().contains("Nothing removed") && run.err().contains(torn.getFileName()
        .toString()), run.err());
    assertTrue(Files.exists(dirs.get("oldest")));
  }

  /**
   * An unnamed Structured Streaming query's location is {@code <root>/<uuid>} with offsets/,
   * commits/ and state/: clean must never take it for an application directory; nor a
   * {@code <uuid>} directory holding anything but rdd-N directories and the plugin's files; and
   * a directory's age is its newest file at any depth.
   */
  @Test
  void cleanKeepsQueryLocationsForeignContentAndDeepRecentFiles() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    Path root = tmp.resolve("clean-ss-" + UUID.randomUUID());
    Path query = root.resolve(UUID.randomUUID().toString());
    Files.createDirectories(query.resolve("offsets"));
    Files.createDirectories(query.resolve("commits"));
    Files.createDirectories(query.resolve("state/0/0"));
    Files.writeString(query.resolve("metadata"), "{\"id\":\"" + UUID.randomUUID() + "\"}");
    Files.writeString(query.resolve("offsets/0"), "v1");
    Files.writeString(query.resolve("commits/0"), "v1");
    Files.writeString(query.resolve("state/0/0/1.delta"), "x");
    age(query, "old-app", Duration.ofDays(4));
    Path foreign = oldRun(root, "old-app", 4);
    Files.createDirectories(foreign.resolve("data"));
    Files.writeString(foreign.resolve("data/keep-me"), "x");
    age(foreign, "old-app", Duration.ofDays(4));
    Path deep = oldRun(root, "old-app", 4);
    Path deepFile = Files.createDirectories(deep.resolve("rdd-3/sub")).resolve("fresh");
    Files.writeString(deepFile, "x");
    Path idle = oldRun(root, "old-app", 5);
    InspectorRun run = InspectorRun.of("clean", root.toString(), "--keep-last", "0");
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(Files.exists(query.resolve("offsets/0")), run.out());
    assertTrue(Files.exists(foreign.resolve("data/keep-me")), run.out());
    assertTrue(Files.exists(deepFile), run.out());
    assertFalse(Files.exists(idle), run.out());
    assertTrue(run.out().contains("keep         file:" + query + "  (a Structured Streaming"),
        run.out());
  }

  private static boolean chattr(String flag, Path file) throws Exception {
    try {
      return new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true)
          .start().waitFor() == 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * A directory the file system will not delete (an immutable file in it) is reported FAILED
   * with the reason; clean goes on with the others, reports each removal as it happens on
   * standard error and exits 1.
   */
  @Test
  void cleanGoesOnAfterAFailedDeleteAndReportsEachRemoval() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    Path root = tmp.resolve("clean-fail-" + UUID.randomUUID());
    Path stuck = oldRun(root, "old-app", 4);
    Path other = oldRun(root, "old-app", 5);
    Path pinned = stuck.resolve("rdd-3/part-00000");
    org.junit.jupiter.api.Assumptions.assumeTrue(chattr("+i", pinned),
        "needs chattr +i (Linux, root) to make a delete fail");
    try {
      InspectorRun run = InspectorRun.of("clean", root.toString(), "--keep-last", "0");
      assertEquals(1, run.exitCode(), run.toString());
      assertFalse(Files.exists(other), run.toString());
      assertTrue(run.out().contains("FAILED       file:" + stuck + "  ("), run.out());
      assertTrue(run.out().contains("removed      file:" + other), run.out());
      assertTrue(run.err().contains("checkpoint-plus: removed file:" + other), run.err());
      assertTrue(run.err().contains("checkpoint-plus: FAILED to remove file:" + stuck),
          run.err());
    } finally {
      chattr("-i", pinned);
    }
  }

  /** clean takes a checkpoint root only, never a {@code <uuid>} or {@code rdd-N} directory. */
  @Test
  void cleanRejectsAUuidOrRddDirectory() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    Path root = tmp.resolve("clean-arg-" + UUID.randomUUID());
    Path run1 = oldRun(root, "old-app", 4);
    for (Path arg : List.of(run1, run1.resolve("rdd-3"))) {
      InspectorRun run = InspectorRun.of("clean", arg.toString(), "--keep-last", "0");
      assertEquals(2, run.exitCode(), run.toString());
      assertTrue(run.err().contains(arg.toString()) && run.err().contains("checkpoint root"),
          run.err());
      assertTrue(Files.exists(run1.resolve("rdd-3/part-00000")), run.toString());
    }
  }

  /** The paths a clean run's text names after {@code verb} ("would remove ", "removed      "). */
  private static List<String> named(InspectorRun run, String verb) {
    return run.out().lines().filter(l -> l.startsWith(verb))
        .map(l -> l.substring(verb.length(), l.indexOf("  ("))).sorted().toList();
  }

  /**
   * Issue 19, defect 2: the root is checked once resolved, so a path with {@code ..} gets the
   * same decisions in the dry run and the real run: a root reached through {@code x/..} is
   * cleaned as that root, and a {@code <uuid>} directory reached through {@code rdd-3/..} is
   * refused by both.
   */
  @Test
  void cleanDecidesTheSameInDryRunAndRunForAPathWithDotDot() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    Path root = tmp.resolve("clean-dots-" + UUID.randomUUID()).resolve("root");
    Path old = oldRun(root, "old-app", 5);
    Path newer = oldRun(root, "old-app", 4);
    Files.createDirectories(root.resolveSibling("x"));
    String dotted = root.getParent() + "/x/../root";
    InspectorRun dry = InspectorRun.of("clean", dotted, "--keep-last", "1", "--dry-run");
    assertEquals(0, dry.exitCode(), dry.toString());
    InspectorRun run = InspectorRun.of("clean", dotted, "--keep-last", "1");
    assertEquals(0, run.exitCode(), run.toString());
    assertEquals(List.of("file:" + old), named(dry, "would remove "), dry.out());
    assertEquals(named(dry, "would remove "), named(run, "removed      "), run.out());
    assertFalse(Files.exists(old));
    assertTrue(Files.exists(newer));

    Path run2 = oldRun(root, "old-app", 6);
    String uuidThroughDots = run2.resolve("rdd-3") + "/..";
    for (String mode : List.of("--dry-run", "--keep-last")) {
      InspectorRun r = mode.equals("--dry-run")
          ? InspectorRun.of("clean", uuidThroughDots, "--keep-last", "0", "--dry-run")
          : InspectorRun.of("clean", uuidThroughDots, "--keep-last", "0");
      assertEquals(2, r.exitCode(), r.toString());
      assertTrue(r.err().contains("checkpoint root"), r.err());
    }
    assertTrue(Files.exists(run2.resolve("rdd-3/part-00000")));
  }

  @Test
  void cleanRejectsAnOlderThanBelowTenMinutes() {
    Fixtures.onlyWithTheDefaultSerializer();
    InspectorRun run = InspectorRun.of("clean", tmp.toString(), "--older-than", "5min");
    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().contains("--older-than '5min': at least 10min"), run.err());
  }

  @Test
  void diffOfStockAndPluginCheckpointsOfTheSameRddIsEqual() {
    List<Path> a = RddCheckpoints.rddDirs(stock);
    List<Path> b = RddCheckpoints.rddDirs(plugin);
    for (int i = 0; i < 2; i++) {
      InspectorRun run = InspectorRun.of(stockMade.args("diff", a.get(i).toString(),
          b.get(i).toString(), "--json"));
      assertEquals(0, run.exitCode(), run.toString());
      JsonNode j = run.json();
      assertTrue(j.get("equal").asBoolean());
      assertEquals(j.get("recordsA").asLong(), j.get("recordsB").asLong());
      assertEquals(RddCheckpoints.RECORDS, j.get("recordsA").asLong());
    }
  }

  @Test
  void diffNamesThePartitionWhoseRecordsDiffer() throws Exception {
    Path copy = tmp.resolve("diff-" + UUID.randomUUID());
    RddCheckpoints.copy(plugin, copy);
    Path rdd = RddCheckpoints.rddDirs(copy).get(0);
    Files.copy(rdd.resolve("part-00000"), rdd.resolve("part-00001"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.deleteIfExists(rdd.resolve(".part-00001.crc"));
    InspectorRun run = InspectorRun.of(pluginMade.args("diff",
        RddCheckpoints.rddDirs(plugin).get(0).toString(), rdd.toString(), "--json"));
    assertEquals(1, run.exitCode(), run.toString());
    JsonNode parts = run.json().get("partitions");
    assertEquals("equal", parts.get(0).get("verdict").asText());
    assertEquals("DIFFERENT", parts.get(1).get("verdict").asText());
    assertEquals("equal", parts.get(2).get("verdict").asText());
  }

  /** Partitions are paired by index: a missing part file is reported, the others still match. */
  @Test
  void diffPairsPartitionsByIndexAndReportsAMissingOne() throws Exception {
    Path copy = tmp.resolve("diff-missing-" + UUID.randomUUID());
    RddCheckpoints.copy(plugin, copy);
    Path rdd = RddCheckpoints.rddDirs(copy).get(0);
    Files.delete(rdd.resolve("part-00001"));
    Files.deleteIfExists(rdd.resolve(".part-00001.crc"));
    InspectorRun run = InspectorRun.of(pluginMade.args("diff",
        RddCheckpoints.rddDirs(plugin).get(0).toString(), rdd.toString(), "--json"));
    assertEquals(1, run.exitCode(), run.toString());
    JsonNode parts = run.json().get("partitions");
    assertEquals(run.json().get("partitionsA").asInt(), parts.size(), run.out());
    for (int i = 0; i < parts.size(); i++) {
      assertEquals(i, parts.get(i).get("partition").asInt(), run.out());
      assertEquals(i == 1 ? "only in A" : "equal", parts.get(i).get("verdict").asText(),
          run.out());
    }
  }

  /**
   * A stock Spark checkpoint without a manifest, uncompressed, one short record per file: read
   * by the codec its bytes name (none), never by the first codec that reads them without an
   * error (Spark 4.1's LZ4 stream reads these few bytes as an empty stream: "equal, 0 records").
   */
  @Test
  void diffOfShortUncompressedStockFilesComparesTheirRecords() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    Path a = kryoCheckpoint("short-a", "x");
    Path b = kryoCheckpoint("short-b", "y");
    String kryo = "spark.serializer=" + KryoSerializer.class.getName();
    InspectorRun run = InspectorRun.of("diff", a.toString(), b.toString(), "--conf", kryo,
        "--json");
    assertEquals(1, run.exitCode(), run.toString());
    assertEquals(1, run.json().get("recordsA").asLong(), run.out());
    assertEquals("DIFFERENT", run.json().get("partitions").get(0).get("verdict").asText());
  }

  private static Path kryoCheckpoint(String name, String record) throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    SerializationStream s = new KryoSerializer(new SparkConf(false)).newInstance()
        .serializeStream(bytes);
    s.writeObject(record, scala.reflect.ClassTag$.MODULE$.Any());
    s.close();
    Path rdd = Files.createDirectories(tmp.resolve(name).resolve("rdd-0"));
    Files.write(rdd.resolve("part-00000"), bytes.toByteArray());
    return rdd;
  }
}
