package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.structured.StatefulQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code show} on a Structured Streaming query location, a stateful count of three files (one
 * micro-batch each) written with the plugin: what it says is checked against the files
 * themselves and against what Spark does with them (a restart keeps the pinned settings).
 */
class QueryLocationShowTest {
  @TempDir
  static Path tmp;
  private static Path input;
  private static Path location;
  private static JsonNode shown;

  @BeforeAll
  static void aStatefulCountOfThreeBatches() throws Exception {
    input = tmp.resolve("input");
    StatefulQuery.addInput(input, "a.txt", "x", "y", "x");
    StatefulQuery.addInput(input, "b.txt", "y", "z");
    StatefulQuery.addInput(input, "c.txt", "x");
    location = tmp.resolve("location");
    StatefulQuery.runOnce(true, tmp.resolve("audit.jsonl"), input, location, Map.of());
    InspectorRun show = InspectorRun.of("show", location.toString(), "--json");
    assertEquals(0, show.exitCode(), show.toString());
    shown = show.json();
  }

  @Test
  void everyBatchOfTheOffsetLogIsShownWithItsSourceOffsetAndCommit() throws IOException {
    JsonNode batches = shown.get("batches");
    assertEquals(3, batches.size(), shown.toString());
    for (int b = 0; b < 3; b++) {
      JsonNode batch = batches.get(b);
      assertEquals(b, batch.get("batch").asInt());
      assertTrue(batch.get("committed").asBoolean());
      assertTrue(batch.get("timestampMs").asLong() > 0);
      // The file source's offset is its log's batch: one file per trigger, one entry a batch.
      assertEquals(1, batch.get("sourceOffsets").size());
      assertEquals(b, new ObjectMapper().readTree(batch.get("sourceOffsets").get(0).asText())
          .get("logOffset").asInt(), batch.toString());
    }
    assertEquals(3, shown.get("nextBatch").asInt());
    assertEquals(1, shown.get("sources").size());
    assertEquals(3, shown.get("sources").get(0).get("logEntries").asInt());
    assertTrue(shown.get("sink").isNull(), "a location does not name its sink");
  }

  @Test
  void eachStatefulOperatorIsShownWithItsPartitionsStoreAndSchema() {
    JsonNode ops = shown.get("stateOperators");
    assertEquals(1, ops.size(), shown.toString());
    JsonNode op = ops.get(0);
    assertEquals("0", op.get("operator").asText());
    assertEquals(2, op.get("partitions").asInt(), "spark.sql.shuffle.partitions of the run");
    assertEquals("[\"default\"]", op.get("stores").toString());
    assertEquals(3, op.get("newestVersion").asInt(), "one state version per batch");
    // groupBy("value").count(): the key is the grouping column, the value holds the count.
    assertEquals("struct<value:string>", op.get("keySchema").asText(), op.toString());
    assertTrue(op.get("valueSchema").asText().matches("struct<[a-z_()]+:bigint>"),
        op.toString());
    Path metadata = location.resolve("state/0/_metadata/metadata");
    if (Files.exists(metadata)) {
      assertFalse(op.get("name").isNull(), "Spark 3.5+ names the operator: " + op + " in "
          + readQuietly(metadata));
    } else {
      assertTrue(op.get("name").isNull(), op.toString());
    }
  }

  @Test
  void sizeByKindAddsUpToEveryFileOfTheLocation() throws IOException {
    long files = 0;
    long bytes = 0;
    for (JsonNode kind : shown.get("sizeByKind")) {
      files += kind.get("files").asLong();
      bytes += kind.get("bytes").asLong();
    }
    long[] walked = new long[2];
    try (Stream<Path> all = Files.walk(location)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        walked[0]++;
        walked[1] += Files.size(p);
      }
    }
    assertEquals(walked[0], files, shown.get("sizeByKind").toString());
    assertEquals(walked[1], bytes);
    assertTrue(shown.get("sizeByKind").has("integrity records"),
        "the plugin's records are counted apart: " + shown.get("sizeByKind"));
  }

  /**
   * What {@code show} calls pinned is what Spark keeps: restarted with another number of
   * shuffle partitions in its session, the query still runs the pinned number.
   */
  @Test
  void theSettingsShownAsPinnedAreTheOnesARestartKeeps() throws Exception {
    JsonNode pinned = shown.get("pinnedSettings");
    assertEquals("2", pinned.get("spark.sql.shuffle.partitions").asText(), pinned.toString());
    Path copy = tmp.resolve("pinned-copy");
    RddCheckpoints.copy(location, copy);
    // The source's log names the input files by path: the restart reads the same directory.
    StatefulQuery.addInput(input, "d.txt", "w");
    StatefulQuery.runOnce(false, tmp.resolve("audit2.jsonl"), input, copy,
        Map.of("spark.sql.shuffle.partitions", "5"));
    List<String> partitions;
    try (Stream<Path> dirs = Files.list(copy.resolve("state/0"))) {
      partitions = dirs.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+"))
          .sorted().toList();
    }
    assertEquals(List.of("0", "1"), partitions, "the restart kept the pinned 2 partitions");
  }

  @Test
  void anOffsetLogEntryThatDoesNotParseIsShownAsSuch() throws IOException {
    Path copy = tmp.resolve("torn");
    RddCheckpoints.copy(location, copy);
    Files.writeString(copy.resolve("offsets/1"), "v1\n{\"batchWatermarkMs\":0,\"batch");
    Files.deleteIfExists(copy.resolve("offsets/.1.crc"));
    InspectorRun show = InspectorRun.of("show", copy.toString(), "--json");
    assertEquals(0, show.exitCode(), show.toString());
    JsonNode batch = show.json().get("batches").get(1);
    assertTrue(batch.has("problem"), batch.toString());
    assertTrue(batch.get("watermarkMs").isNull(), batch.toString());
  }

  @Test
  void theTextSaysTheSameAsTheJson() {
    InspectorRun show = InspectorRun.of("show", location.toString());
    assertEquals(0, show.exitCode(), show.toString());
    String out = show.out();
    assertTrue(out.contains("query id   " + shown.get("queryId").asText()), out);
    assertTrue(out.contains("last committed 2, a restart runs batch 3"), out);
    assertTrue(out.contains("key   struct<value:string>"), out);
    assertTrue(out.contains("spark.sql.shuffle.partitions = 2"), out);
    assertTrue(out.contains("not named in a checkpoint location"), out);
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }

}
