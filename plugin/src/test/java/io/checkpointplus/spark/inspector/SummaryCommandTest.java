package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code summary} says what it checked: manifests where there are, nothing it did not check. */
class SummaryCommandTest {
  @TempDir
  static Path tmp;

  /**
   * Issue 19, defect 6: a root of stock Spark checkpoints has no manifests, so nothing "checks
   * out": the summary says they were counted by their part files only.
   */
  @Test
  void withoutManifestsTheSummarySaysWhatItChecked() {
    Fixtures.onlyWithTheDefaultSerializer();
    InspectorRun run = InspectorRun.of("summary", Fixtures.stock().toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertFalse(run.out().contains("check out"), run.out());
    assertTrue(run.out().contains("no manifests: 2 checkpoints written without the plugin,"
        + " counted by their part files only (contents not checked: run verify)"), run.out());
    JsonNode j = InspectorRun.of("summary", Fixtures.stock().toString(), "--json").json();
    assertEquals(0, j.get("rddCheckpointsWithManifest").asInt(), j.toString());
    assertEquals(2, j.get("rddCheckpointsWithoutManifest").asInt(), j.toString());
  }

  @Test
  void withManifestsTheSummarySaysTheyCheckOut() {
    Fixtures.onlyWithTheDefaultSerializer();
    InspectorRun run = InspectorRun.of("summary", Fixtures.plugin().toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("2 manifests check out (sizes)"), run.out());
    assertFalse(run.out().contains("no manifests"), run.out());
  }

  @Test
  void anEmptyRootHasNothingToCheck() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    InspectorRun run = InspectorRun.of("summary", empty.toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertFalse(run.out().contains("check out"), run.out());
    assertTrue(run.out().contains("no rdd-N checkpoints: nothing to check"), run.out());
  }

  /**
   * Issue 19, "what to build" 6: byte-copied partitions' records are not counted; the summary
   * says so and never reports a wrong zero.
   */
  @Test
  void recordsOfByteCopiedPartitionsAreSaidNotCountedNeverZero() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    Path root = Files.createDirectories(tmp.resolve("copied"));
    Path audit = tmp.resolve("copied-audit.jsonl");
    Files.writeString(audit, String.join("\n",
        "{\"schemaVersion\":1,\"type\":\"checkpoint.completed\",\"appId\":\"a\",\"rddId\":1,"
            + "\"partitions\":2,\"bytes\":100,\"records\":null,\"partitionsNotCounted\":2,"
            + "\"partitionsFromCache\":2,\"partitionsRecomputed\":0}",
        "{\"schemaVersion\":1,\"type\":\"checkpoint.completed\",\"appId\":\"a\",\"rddId\":2,"
            + "\"partitions\":2,\"bytes\":100,\"records\":0,\"partitionsNotCounted\":2,"
            + "\"partitionsFromCache\":2,\"partitionsRecomputed\":0}") + "\n");
    InspectorRun run = InspectorRun.of("summary", root.toString(), "--audit", audit.toString());
    assertFalse(run.out().contains(" 0 records"), run.out());
    assertTrue(run.out().contains("records not counted (4 partitions copied as bytes)"),
        run.out());
    JsonNode j = InspectorRun.of("summary", root.toString(), "--audit", audit.toString(),
        "--json").json();
    assertTrue(j.get("records").isNull(), j.toString());
    assertEquals(4, j.get("partitionsNotCounted").asInt(), j.toString());

    Files.writeString(audit, "{\"schemaVersion\":1,\"type\":\"checkpoint.completed\","
        + "\"appId\":\"a\",\"rddId\":1,\"partitions\":2,\"bytes\":100,\"records\":7,"
        + "\"partitionsNotCounted\":1,\"partitionsFromCache\":2,\"partitionsRecomputed\":0}\n");
    run = InspectorRun.of("summary", root.toString(), "--audit", audit.toString());
    assertTrue(run.out().contains("7 records in the partitions counted (1 copied as bytes not"
        + " counted)"), run.out());
  }
}
