package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.checkpointplus.spark.files.OwnerMarker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code list} and {@code verify} on local disk, against RDD checkpoints written by stock Spark
 * (no manifest: the structural check) and by the plugin (manifest), intact and damaged:
 * truncated part, missing part, flipped byte, a manifest without record counts.
 */
class ListAndVerifyTest {
  @TempDir
  static Path tmp;
  static Path stock;
  static Path plugin;
  static RddCheckpoints stockMade;
  static RddCheckpoints pluginMade;

  @BeforeAll
  static void writeCheckpoints() {
    stock = Fixtures.stock();
    plugin = Fixtures.plugin();
    stockMade = Fixtures.stockMade();
    pluginMade = Fixtures.pluginMade();
  }

  private static Path copyOf(Path root, String name) {
    Path copy = tmp.resolve(name + "-" + UUID.randomUUID());
    RddCheckpoints.copy(root, copy);
    return copy;
  }

  @Test
  void listShowsThePluginsCheckpointsWithOwnerManifestAndRecords() throws Exception {
    Path root = copyOf(plugin, "live");
    CleanAndDiffTest.heartbeatNow(RddCheckpoints.rddDirs(root).get(0).getParent());
    InspectorRun run = InspectorRun.of(pluginMade.args("list", root.toString(), "--json"));
    assertEquals(0, run.exitCode(), run.toString());
    JsonNode apps = run.json().get("applicationDirectories");
    assertEquals(1, apps.size(), run.out());
    JsonNode app = apps.get(0);
    assertEquals("checkpoint-plus-test", app.get("appName").asText());
    assertTrue(app.get("looksLive").asBoolean(), "heartbeat renewed moments ago");
    assertEquals("checkpoint-plus-test", app.get("appName").asText());
    JsonNode rdds = app.get("rdds");
    assertEquals(2, rdds.size(), run.out());
    assertEquals(4, rdds.get(0).get("partitions").asInt());
    assertEquals(RddCheckpoints.RECORDS, rdds.get(0).get("records").asLong());
    assertTrue(rdds.get(0).get("manifest").asBoolean());
    assertTrue(rdds.get(1).get("partitioner").asBoolean());
    assertEquals(3, rdds.get(1).get("partitions").asInt());
    assertTrue(rdds.get(0).get("bytes").asLong() > 0);

    InspectorRun text = InspectorRun.of(pluginMade.args("list", root.toString()));
    assertTrue(text.out().contains("checkpoint-plus-test") && text.out().contains("LIVE"),
        text.out());
  }

  @Test
  void listShowsStockCheckpointsWithoutManifestOrOwner() {
    InspectorRun run = InspectorRun.of(stockMade.args("list", stock.toString(), "--json"));
    assertEquals(0, run.exitCode(), run.toString());
    JsonNode app = run.json().get("applicationDirectories").get(0);
    assertFalse(app.has("appName"), "stock Spark writes no owner marker");
    JsonNode rdd = app.get("rdds").get(0);
    assertFalse(rdd.get("manifest").asBoolean());
    assertTrue(rdd.get("records").isNull());
    assertEquals(4, rdd.get("partitions").asInt());
  }

  @Test
  void aDirectoryWhoseOwnerStoppedLongAgoIsNotLive() throws Exception {
    Path copy = copyOf(plugin, "aged");
    Path uuid = RddCheckpoints.rddDirs(copy).get(0).getParent();
    long dayAgo = System.currentTimeMillis() - 86_400_000L;
    new OwnerMarker("app-gone", "old-app", dayAgo).write(FileSystem.getLocal(
        new Configuration()), new org.apache.hadoop.fs.Path(uuid.toUri()));
    try (var files = Files.walk(uuid)) {
      for (Path p : files.toList()) {
        Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(dayAgo));
      }
    }
    JsonNode app = InspectorRun.of("list", copy.toString(), "--json").json()
        .get("applicationDirectories").get(0);
    assertEquals("old-app", app.get("appName").asText());
    assertFalse(app.get("looksLive").asBoolean(), app.toString());
    assertTrue(app.get("ageMs").asLong() >= 86_400_000L, app.toString());
  }

  @Test
  void intactCheckpointsVerify() {
    for (String[] args : List.of(pluginMade.args("verify", plugin.toString()),
        pluginMade.args("verify", plugin.toString(), "--checksum"),
        stockMade.args("verify", stock.toString()),
        stockMade.args("verify", stock.toString(), "--checksum"))) {
      InspectorRun run = InspectorRun.of(args);
      assertEquals(0, run.exitCode(), String.join(" ", args) + "\n" + run);
      assertTrue(run.out().contains("All intact: 2 RDD checkpoints"), run.out());
    }
    JsonNode json = InspectorRun.of(stockMade.args("verify", stock.toString(), "--checksum",
        "--json")).json();
    assertEquals(RddCheckpoints.RECORDS, json.get("rdds").get(0).get("recordsRead").asLong(),
        "the structural check read every record: " + json);
  }

  @Test
  void aTruncatedPartIsNamedWithExpectedAndFoundSizes() throws Exception {
    for (Path root : List.of(plugin, stock)) {
      Path copy = copyOf(root, "truncated");
      Path part = RddCheckpoints.rddDirs(copy).get(0).resolve("part-00002");
      byte[] bytes = Files.readAllBytes(part);
      Files.write(part, java.util.Arrays.copyOf(bytes, bytes.length - 7));
      RddCheckpoints made = root == plugin ? pluginMade : stockMade;
      InspectorRun run = InspectorRun.of(made.args("verify", copy.toString(), "--checksum",
          "--json"));
      assertEquals(1, run.exitCode(), run.toString());
      JsonNode problems = run.json().get("problems");
      assertEquals(1, problems.size(), run.out());
      assertTrue(problems.get(0).get("file").asText().endsWith("part-00002"), run.out());
      if (root == plugin) {
        assertEquals(bytes.length + " bytes (manifest)", problems.get(0).get("expected")
            .asText());
        assertEquals(bytes.length - 7 + " bytes (truncated)", problems.get(0).get("found")
            .asText());
      } else {
        assertTrue(problems.get(0).get("expected").asText().startsWith(
            "records that deserialize"), run.out());
      }
    }
  }

  @Test
  void aMissingPartIsNamed() throws Exception {
    for (Path root : List.of(plugin, stock)) {
      Path copy = copyOf(root, "missing");
      Path part = RddCheckpoints.rddDirs(copy).get(0).resolve("part-00001");
      Files.delete(part);
      RddCheckpoints made = root == plugin ? pluginMade : stockMade;
      InspectorRun run = InspectorRun.of(made.args("verify", copy.toString()));
      assertEquals(1, run.exitCode(), run.toString());
      assertTrue(run.out().contains("PROBLEM " + part.toUri().getPath().replaceAll("/$", "")
          .replace("file:", "")) || run.out().contains("part-00001: expected"), run.out());
      assertTrue(run.out().contains(root == plugin ? "found no such file"
          : "part files contiguous from part-00000"), run.out());
    }
  }

  @Test
  void aFlippedByteFailsTheChecksumOnly() throws Exception {
    Path copy = copyOf(plugin, "flipped");
    Path part = RddCheckpoints.rddDirs(copy).get(1).resolve("part-00000");
    byte[] bytes = Files.readAllBytes(part);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(part, bytes);
    assertEquals(0, InspectorRun.of(pluginMade.args("verify", copy.toString())).exitCode(),
        "sizes are unchanged");
    InspectorRun run = InspectorRun.of(pluginMade.args("verify", copy.toString(),
        "--checksum"));
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("part-00000: expected ") && run.out().contains(
        "(corrupted)"), run.out());

    // Without Hadoop's .crc side file, it is the manifest's CRC32C that catches it.
    Files.deleteIfExists(part.resolveSibling(".part-00000.crc"));
    InspectorRun bare = InspectorRun.of(pluginMade.args("verify", copy.toString(),
        "--checksum"));
    assertEquals(1, bare.exitCode(), bare.toString());
    assertTrue(bare.out().contains("part-00000: expected CRC32C") && bare.out().contains(
        "(corrupted)"), bare.out());
  }

  @Test
  void aManifestWithoutRecordCountsIsRead() throws Exception {
    Path copy = copyOf(plugin, "no-records");
    Path manifest = RddCheckpoints.rddDirs(copy).get(0).resolve("_checkpoint-manifest.json");
    ObjectNode json = (ObjectNode) new ObjectMapper().readTree(manifest.toFile());
    json.get("partitions").forEach(p -> ((ObjectNode) p).remove("records"));
    Files.writeString(manifest, json.toPrettyString());
    Files.deleteIfExists(manifest.resolveSibling("._checkpoint-manifest.json.crc"));
    InspectorRun list = InspectorRun.of("list", copy.toString(), "--json");
    JsonNode rdd = list.json().get("applicationDirectories").get(0).get("rdds").get(0);
    assertTrue(rdd.get("manifest").asBoolean());
    assertTrue(rdd.get("records").isNull(), rdd.toString());
    InspectorRun verify = InspectorRun.of(pluginMade.args("verify", copy.toString(),
        "--checksum"));
    assertEquals(0, verify.exitCode(), verify.toString());
  }

  @Test
  void oneRddDirectoryCanBeVerifiedAlone() {
    Path rdd = RddCheckpoints.rddDirs(plugin).get(1);
    InspectorRun run = InspectorRun.of(pluginMade.args("verify", rdd.toString(), "--json"));
    assertEquals(0, run.exitCode(), run.toString());
    assertEquals(1, run.json().get("rddCheckpoints").asInt());
  }

  @Test
  void summaryCountsWhatTheAuditRecordedAndWhatIsOnDisk() {
    InspectorRun run = InspectorRun.of(pluginMade.args("summary", plugin.toString(), "--audit",
        Fixtures.pluginAudit().toString(), "--json"));
    assertEquals(0, run.exitCode(), run.toString());
    JsonNode j = run.json();
    assertEquals(2, j.get("checkpointsWritten").asInt(), run.out());
    assertEquals(0, j.get("checkpointsFailed").asInt());
    assertEquals(7, j.get("partitions").asInt(), "4 + 3 partitions");
    assertEquals(7, j.get("partitionsFromCache").asInt() + j.get("partitionsRecomputed").asInt());
    assertEquals(2, j.get("rddCheckpointsOnDisk").asInt());
    assertEquals(0, j.get("problems").asInt());
    InspectorRun text = InspectorRun.of(pluginMade.args("summary", plugin.toString(), "--audit",
        Fixtures.pluginAudit().toString()));
    assertTrue(text.out().contains("checkpoints  2 written (7 partitions: "), text.out());
  }

  @Test
  void usageErrorsAndMissingPathsHaveTheirExitCodes() {
    assertEquals(2, InspectorRun.of("lst", "x").exitCode());
    assertEquals(2, InspectorRun.of("verify").exitCode());
    assertEquals(2, InspectorRun.of("verify", "x", "--bogus").exitCode());
    InspectorRun missing = InspectorRun.of("list", tmp.resolve("nowhere").toString());
    assertEquals(3, missing.exitCode(), missing.toString());
    assertTrue(missing.err().contains("nowhere"), missing.err());
  }
}
