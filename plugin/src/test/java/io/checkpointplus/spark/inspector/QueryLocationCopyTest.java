package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.files.InProcessHdfs;
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
 * ({@code MiniDFSCluster}); each copy restarts on stock Spark, with a fourth input file, and
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
          .filter(n -> !n.endsWith(".crc")).sorted().toList();
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
