package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code show} decodes a real Spark Streaming metadata checkpoint (written by a stateful
 * application with the plugin, compressed with zstd, not the default codec) without loading
 * any of the application's classes.
 */
class ShowCommandTest {
  @TempDir
  static Path tmp;
  static Path root;

  @BeforeAll
  static void writeCheckpoint() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer(); // the application pins Java serialization
    root = Fixtures.streaming();
  }

  static List<Path> metadataFiles(Path root) throws Exception {
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
          .sorted().collect(Collectors.toList());
    }
  }

  @Test
  void decodesTheNewestMetadataCheckpointOfARoot() throws Exception {
    InspectorRun run = InspectorRun.of("show", root.toString(), "--json");
    assertEquals(0, run.exitCode(), run.toString());
    JsonNode j = run.json();
    List<Path> files = metadataFiles(root);
    Path newest = files.get(files.size() - 1);
    assertTrue(j.get("file").asText().endsWith(newest.getFileName().toString()), j.toString());
    assertEquals("zstd", j.get("codec").asText());
    assertEquals("inspected-stream", j.get("appName").asText());
    assertEquals("local[2]", j.get("master").asText());
    assertEquals(StreamingCheckpoints.BATCH_MS, j.get("batchDurationMs").asLong());
    // Spark names a metadata file after the latest checkpoint time its writer has seen; a
    // write that lagged behind holds an earlier checkpoint under the later name.
    long named = Long.parseLong(newest.getFileName().toString().substring(11));
    long time = j.get("checkpointTimeMs").asLong();
    assertTrue(time > named - 60_000 && time <= named, time + " vs file name " + named);
    assertEquals(0, time % StreamingCheckpoints.BATCH_MS, "a batch time: " + time);
    assertTrue(j.get("pluginEnabled").asBoolean());
    assertEquals("*********(redacted)", j.get("sparkConf").get("spark.inspected.password")
        .asText());
    assertEquals("zstd", j.get("sparkConf").get("spark.io.compression.codec").asText());

    List<String> classes = new ArrayList<>();
    List<String> files1 = new ArrayList<>();
    for (JsonNode d : j.get("dstreams")) {
      classes.add(d.get("class").asText());
      d.get("checkpointFiles").forEach(f -> files1.add(f.asText()));
      assertEquals(StreamingCheckpoints.BATCH_MS, d.get("slideMs").asLong(), d.toString());
    }
    assertTrue(classes.contains("org.apache.spark.streaming.dstream.StateDStream"), classes
        .toString());
    assertTrue(classes.contains("org.apache.spark.streaming.dstream.ReducedWindowedDStream"),
        classes.toString());
    assertTrue(classes.contains("org.apache.spark.streaming.dstream.ConstantInputDStream"),
        classes.toString());
    assertFalse(files1.isEmpty(), "the state DStreams reference their rdd-N checkpoints");
    for (String f : files1) {
      assertTrue(f.matches(".*/[0-9a-f-]{36}/rdd-\\d+"), f);
      assertTrue(Files.isDirectory(Path.of(java.net.URI.create(f.startsWith("file:") ? f
          : "file://" + f))), "referenced checkpoint exists: " + f);
    }
  }

  @Test
  void textOutputNamesTheGraphAndTheRedactedConfiguration() throws Exception {
    InspectorRun run = InspectorRun.of("show", root.toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("StateDStream"), run.out());
    assertTrue(run.out().contains("named in spark.plugins"), run.out());
    assertTrue(run.out().matches("(?s).*spark\\.inspected\\.password +\\*{9}\\(redacted\\).*"),
        run.out());
    assertFalse(run.out().contains("hunter2"), run.out());
  }

  @Test
  void aTornMetadataFileIsNamedAndARootFallsBackToTheOlderOne() throws Exception {
    Path copy = tmp.resolve("torn");
    Files.createDirectories(copy);
    List<Path> files = metadataFiles(root);
    Path older = files.get(files.size() - 2);
    Path newest = files.get(files.size() - 1);
    Files.copy(older, copy.resolve(older.getFileName()));
    byte[] bytes = Files.readAllBytes(newest);
    Path torn = copy.resolve(newest.getFileName());
    Files.write(torn, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    InspectorRun direct = InspectorRun.of("show", torn.toString());
    assertEquals(3, direct.exitCode(), direct.toString());
    assertTrue(direct.err().contains(torn.getFileName().toString())
        && direct.err().contains("torn or truncated"), direct.err());

    InspectorRun fallback = InspectorRun.of("show", copy.toString(), "--json");
    assertEquals(0, fallback.exitCode(), fallback.toString());
    assertTrue(fallback.json().get("file").asText().endsWith(older.getFileName().toString()));
  }
}
