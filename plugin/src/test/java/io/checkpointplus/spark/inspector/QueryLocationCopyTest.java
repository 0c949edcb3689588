package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.files.InProcessHdfs;
import io.checkpointplus.spark.files.InProcessS3;
import io.checkpointplus.spark.structured.StatefulQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code copy} of a Structured Streaming query location, proven by restarts: a stateful count of
 * three files written with the plugin and left a day idle is copied on local disk and to HDFS
 * ({@code MiniDFSCluster}) and to S3 (s3proxy in-process behind Hadoop's S3A); each copy restarts on stock Spark, with a fourth input file, and
 * outputs what the original location's restart outputs.
 */
class QueryLocationCopyTest {
  @TempDir
  static Path tmp;
  private static Path input;
  private static Path location;
  private static InProcessHdfs hdfs;
  /** The output of a restart of the original location (a plain copy of it), with d.txt. */
  private static List<String> originalRestart;

  @BeforeAll
  static void aLocationOfThreeBatches() throws Exception {
    input = tmp.resolve("input");
    StatefulQuery.addInput(input, "a.txt", "x", "y", "x");
    StatefulQuery.addInput(input, "b.txt", "y", "z");
    StatefulQuery.addInput(input, "c.txt", "x");
    location = tmp.resolve("location");
    StatefulQuery.runOnce(true, tmp.resolve("audit.jsonl"), input, location, Map.of());
    StatefulQuery.addInput(input, "d.txt", "z", "x", "w");
    FileTime dayAgo = FileTime.fromMillis(System.currentTimeMillis() - 24L * 3600 * 1000);
    try (Stream<Path> files = Files.walk(location)) {
      for (Path f : files.toList()) {
        Files.setLastModifiedTime(f, dayAgo);
      }
    }
    Path plain = tmp.resolve("original");
    RddCheckpoints.copy(location, plain, StandardCopyOption.COPY_ATTRIBUTES);
    originalRestart = StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"), input, plain,
        Map.of());
    assertEquals(1, originalRestart.size(), "the restart runs d.txt: " + originalRestart);
    hdfs = InProcessHdfs.start(tmp.resolve("hdfs"), 1, Map.of());
  }

  @AfterAll
  static void stop() {
    if (hdfs != null) {
      hdfs.close();
    }
  }

  /** Spark's files and the plugin's records: every file but a file system's checksums. */
  private static List<String> locationFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
          // Hidden .x.crc files are the file system's; Spark 4.1's x.crc files are Spark's.
          .filter(n -> !(Path.of(n).getFileName().toString().startsWith(".")
              && n.endsWith(".crc"))).sorted().toList();
    }
  }

  @Test
  void aCopyOnLocalDiskHoldsEveryFileAndRestartsAsTheOriginal() throws Exception {
    Path target = tmp.resolve("copy");
    InspectorRun copy = InspectorRun.of("copy", location.toString(), target.toString(),
        "--json");
    assertEquals(0, copy.exitCode(), copy.toString());
    JsonNode json = copy.json();
    List<String> files = locationFiles(location);
    assertEquals(files, locationFiles(target));
    for (String f : files) {
      assertArrayEquals(Files.readAllBytes(location.resolve(f)),
          Files.readAllBytes(target.resolve(f)), f);
    }
    assertEquals(files.size(), json.get("files").asInt());
    assertEquals(0, json.get("filesDiffering").asInt());
    assertTrue(json.get("targetIntact").asBoolean());
    String inputDir = input.toUri().getPath().replaceFirst("/$", "");
    assertTrue(json.get("absolutePaths").get("sources/0").toString().contains(inputDir),
        "the file source's log names the input directory: " + json);
    assertEquals(originalRestart, StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"),
        input, target, Map.of()), "the copy restarts as the original does");
  }

  @Test
  void aCopyToHdfsIsVerifiedThereAndRestartsAsTheOriginal() throws Exception {
    String target = hdfs.uri("/copies/query");
    InspectorRun copy = InspectorRun.of("copy", location.toString(), target, "--json");
    assertEquals(0, copy.exitCode(), copy.toString());
    assertEquals(locationFiles(location).size(), copy.json().get("files").asInt());
    assertTrue(copy.json().get("targetIntact").asBoolean(), copy.toString());
    assertEquals(0, InspectorRun.of("verify", target).exitCode());
    assertEquals(originalRestart, StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"),
        input, target, Map.of()), "the copy on HDFS restarts as the original does");
  }

  @Test
  void aCopyToS3IsVerifiedThereAndRestartsAsTheOriginal() throws Exception {
    try (InProcessS3 s3 = InProcessS3.start("copies")) {
      Map<String, String> settings = s3.sparkSettings(Map.of());
      String target = "s3a://copies/query";
      List<String> args = new java.util.ArrayList<>(List.of("copy", location.toString(), target,
          "--json"));
      settings.forEach((k, v) -> args.addAll(List.of("--conf", k + "=" + v)));
      InspectorRun copy = InspectorRun.of(args.toArray(String[]::new));
      assertEquals(0, copy.exitCode(), copy.toString());
      assertEquals(locationFiles(location).size(), copy.json().get("files").asInt());
      assertEquals(0, copy.json().get("filesDiffering").asInt());
      assertTrue(copy.json().get("targetIntact").asBoolean(), copy.toString());
      List<String> verify = new java.util.ArrayList<>(List.of("verify", target));
      settings.forEach((k, v) -> verify.addAll(List.of("--conf", k + "=" + v)));
      assertEquals(0, InspectorRun.of(verify.toArray(String[]::new)).exitCode());
      assertEquals(originalRestart, StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"),
          input, target, settings), "the copy on S3 restarts as the original does");
    }
  }

  /**
   * The input moved too: a copy with {@code --rewrite-paths} restarts on the moved input as the
   * original restarts on its own, while a copy without it does not.
   */
  @Test
  void aCopyWithRewrittenPathsRestartsOnTheMovedInput() throws Exception {
    Path moved = tmp.resolve("moved-input");
    RddCheckpoints.copy(input, moved, StandardCopyOption.COPY_ATTRIBUTES);
    Path plain = tmp.resolve("copy-not-rewritten");
    InspectorRun asIs = InspectorRun.of("copy", location.toString(), plain.toString(),
        "--json");
    assertEquals(0, asIs.exitCode(), asIs.toString());
    // The input directory as the file source's log writes it.
    String from = asIs.json().get("absolutePaths").get("sources/0").get(0).asText();
    String inputDir = input.toUri().getPath().replaceFirst("/$", "");
    assertTrue(from.endsWith(inputDir), from);
    String to = from.substring(0, from.length() - inputDir.length())
        + moved.toUri().getPath().replaceFirst("/$", "");

    Path target = tmp.resolve("copy-rewritten");
    InspectorRun copy = InspectorRun.of("copy", location.toString(), target.toString(),
        "--rewrite-paths", from + "=" + to, "--json");
    assertEquals(0, copy.exitCode(), copy.toString());
    assertTrue(copy.json().get("targetIntact").asBoolean(), copy.toString());
    assertEquals(List.of("sources/0/0", "sources/0/1", "sources/0/2"),
        new com.fasterxml.jackson.databind.ObjectMapper().convertValue(
            copy.json().get("rewritten"), List.class));
    assertEquals(List.of(to), new com.fasterxml.jackson.databind.ObjectMapper().convertValue(
        copy.json().get("absolutePaths").get("sources/0"), List.class), "what the copy names");
    assertEquals(0, InspectorRun.of("verify", target.toString()).exitCode(),
        "the rewritten files verify against their new records");
    assertEquals(originalRestart, StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"),
        moved, target, Map.of()), "the rewritten copy restarts on the moved input as the"
            + " original on its own");
    // Without the rewrite the log names files outside the moved input: Spark fails reading
    // its last batch's files again (3.5), or takes the moved files for new ones.
    String notRewritten;
    try {
      notRewritten = String.valueOf(StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"),
          moved, plain, Map.of()));
    } catch (Exception failed) {
      notRewritten = "failed: " + failed;
    }
    assertFalse(String.valueOf(originalRestart).equals(notRewritten),
        "the copy without the rewrite does not restart as the original: " + notRewritten);

    InspectorRun bad = InspectorRun.of("copy", location.toString(), tmp.resolve("bad")
        .toString(), "--rewrite-paths", "no-equals-sign");
    assertEquals(2, bad.exitCode(), bad.toString());
    assertTrue(bad.err().contains("expected FROM=TO"), bad.toString());
  }

  /** A path is rewritten only under FROM as a directory: /data/in is not /data/input2. */
  @Test
  void rewritingMatchesWholeDirectories() {
    byte[] log = ("v1\n{\"path\":\"file:/data/in/a.txt\",\"timestamp\":1,\"batchId\":0}\n"
        + "{\"path\":\"file:/data/input2/b.txt\",\"timestamp\":2,\"batchId\":0}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String out = new String(CopyCommand.rewritePaths(log, List.<String[]>of(
        new String[] {"file:/data/in", "s3a://bucket/in"})),
        java.nio.charset.StandardCharsets.UTF_8);
    assertEquals("v1\n{\"path\":\"s3a://bucket/in/a.txt\",\"timestamp\":1,\"batchId\":0}\n"
        + "{\"path\":\"file:/data/input2/b.txt\",\"timestamp\":2,\"batchId\":0}", out);
  }

  /**
   * Spark 4's operator metadata names its state schema files by absolute path in the location
   * itself: the copy's names the copy's. A FROM no path is under (one with '=' in it too) is
   * refused before anything is copied.
   */
  @Test
  void pathsIntoTheLocationPointAtTheCopyAndAnUnmatchedFromIsRefused() throws Exception {
    Path withMetadata = tmp.resolve("with-metadata-v2");
    RddCheckpoints.copy(location, withMetadata, StandardCopyOption.COPY_ATTRIBUTES);
    String schema = new org.apache.hadoop.fs.Path(withMetadata.toUri()).toString()
        .replaceFirst("/$", "") + "/state/0/_stateSchema/default/0_abc";
    Path v2 = Files.createDirectories(withMetadata.resolve("state/0/_metadata/v2")).resolve("2");
    Files.writeString(v2, "v2\n{\"operatorInfo\":{\"operatorId\":0,\"operatorName\":"
        + "\"transformWithStateExec\"},\"stateStoreInfo\":[{\"storeName\":\"default\","
        + "\"numColsPrefixKey\":0,\"numPartitions\":2,\"stateSchemaFilePaths\":[\"" + schema
        + "\"]}],\"operatorPropertiesJson\":\"\"}");
    FileTime dayAgo = FileTime.fromMillis(System.currentTimeMillis() - 24L * 3600 * 1000);
    Files.setLastModifiedTime(v2, dayAgo);
    Files.setLastModifiedTime(v2.getParent(), dayAgo);

    Path target = tmp.resolve("copy-with-metadata-v2");
    InspectorRun copy = InspectorRun.of("copy", withMetadata.toString(), target.toString(),
        "--json");
    assertEquals(0, copy.exitCode(), copy.toString());
    String targetRoot = copy.json().get("target").asText().replaceFirst("/$", "");
    assertTrue(Files.readString(target.resolve("state/0/_metadata/v2/2"))
        .contains("\"" + targetRoot + "/state/0/_stateSchema/default/0_abc\""), copy.toString());
    assertEquals(List.of(targetRoot + "/state/0/_stateSchema/default"),
        new com.fasterxml.jackson.databind.ObjectMapper().convertValue(
            copy.json().get("absolutePaths").get("state/0/_metadata/v2"), List.class));

    Path none = tmp.resolve("copy-unmatched");
    InspectorRun unmatched = InspectorRun.of("copy", location.toString(), none.toString(),
        "--rewrite-paths", "file:/elsewhere/date=2026-12-07=file:/moved");
    assertEquals(2, unmatched.exitCode(), unmatched.toString());
    assertTrue(unmatched.out().contains("no path in the location is under"
        + " file:/elsewhere/date=2026-12-07"), unmatched.toString());
    assertFalse(Files.exists(none), "nothing copied");
  }

  @Test
  void aCopyNeverOverwritesAndLeavesARunningQueryAlone() throws Exception {
    Path occupied = Files.createDirectories(tmp.resolve("occupied"));
    Files.writeString(occupied.resolve("keep.txt"), "mine");
    InspectorRun onto = InspectorRun.of("copy", location.toString(), occupied.toString());
    assertEquals(2, onto.exitCode(), onto.toString());
    assertTrue(onto.out().contains("copy never overwrites"), onto.out());
    assertEquals(List.of("keep.txt"), locationFiles(occupied));

    Path fresh = tmp.resolve("fresh");
    RddCheckpoints.copy(location, fresh); // its files' times are now's: a query may run on it
    Path target = tmp.resolve("from-fresh");
    InspectorRun running = InspectorRun.of("copy", fresh.toString(), target.toString());
    assertEquals(3, running.exitCode(), running.toString());
    assertTrue(running.out().contains("a query may be running"), running.out());
    assertFalse(Files.exists(target), "nothing copied");

    InspectorRun notOne = InspectorRun.of("copy", input.toString(), target.toString());
    assertEquals(2, notOne.exitCode(), notOne.toString());
    assertTrue(notOne.out().contains("is not a Structured Streaming checkpoint location"));
  }
}
