package io.checkpointplus.spark.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stateful Structured Streaming query with only {@code spark.plugins} set: every file of its
 * checkpoint location is recorded, damage is named before a batch uses it, and stock Spark and
 * the plugin restart each other's locations with stock's output.
 */
class QueryCheckpointIntegrityTest {
  @TempDir
  Path tmp;

  private Path audit() {
    return tmp.resolve("audit.jsonl");
  }

  /** Three batches (files a, b, c) into {@code location}. */
  private List<String> threeBatches(boolean plugin, Path input, Path location) throws Exception {
    StatefulQuery.addInput(input, "a.txt", "x", "y", "x");
    StatefulQuery.addInput(input, "b.txt", "y", "z");
    StatefulQuery.addInput(input, "c.txt", "x");
    return StatefulQuery.runOnce(plugin, audit(), input, location, Map.of());
  }

  @Test
  void everyFileOfTheLocationHasARecordOfItsSizeAndCrc32c() throws Exception {
    Path location = tmp.resolve("location");
    threeBatches(true, tmp.resolve("in"), location);

    List<String> expected = List.of("commits/0", "commits/1", "commits/2", "metadata",
        "offsets/0", "offsets/1", "offsets/2", "sources/0/0", "sources/0/1", "sources/0/2");
    List<String> recorded = recordedFiles(location);
    assertTrue(recorded.containsAll(expected), "records for " + recorded);
    // State store files of both shuffle partitions: version N+1 after batch N. Spark 4.1+
    // checksums them itself (<file>.crc), and the plugin does not checksum them twice.
    for (String state : List.of("state/0/0/1.delta", "state/0/0/3.delta", "state/0/1/3.delta")) {
      if (sparkChecksumsStateFiles()) {
        assertFalse(recorded.contains(state), state + " among " + recorded);
        assertTrue(Files.exists(location.resolve(state + ".crc")), state + ".crc");
      } else {
        assertTrue(recorded.contains(state), state + " among " + recorded);
      }
    }
    assertEveryRecordMatchesItsFile(location);
  }

  /** Each record in {@code location} holds its file's size and CRC32C as they are now. */
  static void assertEveryRecordMatchesItsFile(Path location) throws IOException {
    for (String file : recordedFiles(location)) {
      Path data = location.resolve(file);
      byte[] content = Files.readAllBytes(data);
      CRC32C crc = new CRC32C();
      crc.update(content);
      String record = Files.readString(data.resolveSibling("." + data.getFileName()
          + ".integrity"));
      assertTrue(record.contains("\"bytes\":" + content.length + ",")
          && record.contains("\"crc32c\":\"" + Long.toHexString(crc.getValue()) + "\""),
          file + ": " + record);
    }
  }

  @Test
  void oneAuditEventPerMicroBatchNamesTheQueryAndItsFiles() throws Exception {
    Path location = tmp.resolve("location");
    threeBatches(true, tmp.resolve("in"), location);
    String queryId = Files.readString(location.resolve("metadata")).replaceAll(
        "(?s).*\"id\":\"([^\"]+)\".*", "$1");

    List<JsonNode> batches = LocalSpark.events(audit(), "streaming.batch.committed");
    assertEquals(List.of(0L, 1L, 2L), batches.stream().map(e -> e.get("batchId").asLong())
        .collect(Collectors.toList()));
    for (JsonNode e : batches) {
      assertEquals(queryId, e.get("queryId").asText());
      assertEquals(36, e.get("runId").asText().length(), e.toString());
      long batch = e.get("batchId").asLong();
      assertEquals(List.of("offsets/" + batch, "commits/" + batch),
          List.of(e.get("files").get(0).get("file").asText(),
              e.get("files").get(1).get("file").asText()));
      assertEquals(Files.size(location.resolve("offsets/" + batch))
          + Files.size(location.resolve("commits/" + batch)), e.get("bytes").asLong());
    }
    assertTrue(LocalSpark.events(audit(), "streaming.query.resumed").isEmpty());

    StatefulQuery.addInput(tmp.resolve("in"), "d.txt", "z");
    StatefulQuery.runOnce(true, audit(), tmp.resolve("in"), location, Map.of());
    List<JsonNode> resumed = LocalSpark.events(audit(), "streaming.query.resumed");
    assertEquals(1, resumed.size());
    assertEquals(3, resumed.get(0).get("resumedAtBatch").asLong());
  }

  /** A query stopped and started again in the same application is a new run. */
  @Test
  void aSecondRunInTheSameApplicationIsRecordedAsResumed() throws Exception {
    Path input = tmp.resolve("in");
    Path location = tmp.resolve("location");
    StatefulQuery.addInput(input, "a.txt", "x");
    StatefulQuery.addInput(input, "b.txt", "y");
    org.apache.spark.SparkContext sc = LocalSpark.withPlugin(audit(),
        StatefulQuery.settings());
    try {
      StatefulQuery.run(sc, input, location);
      StatefulQuery.addInput(input, "c.txt", "z");
      StatefulQuery.run(sc, input, location);
    } finally {
      org.apache.spark.sql.SparkSession.clearActiveSession();
      org.apache.spark.sql.SparkSession.clearDefaultSession();
      LocalSpark.stop(sc);
    }
    List<JsonNode> resumed = LocalSpark.events(audit(), "streaming.query.resumed");
    assertEquals(1, resumed.size(), resumed.toString());
    assertEquals(2, resumed.get(0).get("resumedAtBatch").asLong());
    List<JsonNode> batches = LocalSpark.events(audit(), "streaming.batch.committed");
    assertEquals(2, batches.stream().map(e -> e.get("runId").asText()).distinct().count());
  }

  @Test
  void aChangedValueInTheLatestOffsetsFailsTheRestartNamingTheFile() throws Exception {
    Path input = tmp.resolve("in");
    Path location = tmp.resolve("location");
    threeBatches(true, input, location);
    Path offsets = location.resolve("offsets/2");
    String content = Files.readString(offsets);
    assertTrue(content.contains("\"logOffset\":2"), content);
    // One value changed, size unchanged, and no Hadoop .crc beside it (as on object stores).
    Files.writeString(offsets, content.replace("\"logOffset\":2", "\"logOffset\":1"));
    Files.deleteIfExists(location.resolve("offsets/.2.crc"));
    StatefulQuery.addInput(input, "d.txt", "z");

    Exception failure = assertThrows(Exception.class,
        () -> StatefulQuery.runOnce(true, audit(), input, location, Map.of()));
    String message = ExceptionUtils.getStackTrace(failure);
    assertTrue(message.contains(offsets.toString().replace(tmp.toString(), ""))
        && message.contains("differs from what was committed") && message.contains("CRC32C"),
        message);
    List<JsonNode> damaged = LocalSpark.events(audit(), "streaming.file.damaged");
    assertEquals(1, damaged.size());
    assertTrue(damaged.get(0).get("file").asText().endsWith("offsets/2"));
    assertEquals("offsets", damaged.get(0).get("kind").asText());

    // What the error tells the user to do to accept the file as it is now works.
    assertTrue(message.contains("delete its integrity record .2.integrity"), message);
    Files.delete(location.resolve("offsets/.2.integrity"));
    Files.deleteIfExists(location.resolve("offsets/..2.integrity.crc"));
    StatefulQuery.runOnce(true, audit(), input, location, Map.of());
    assertTrue(Files.exists(location.resolve("commits/3")), "the restart ran batch 3");
  }

  /** What the README says stock Spark does with the same damage: restarts, and counts twice. */
  @Test
  void stockSparkRestartsSilentlyFromTheSameDamageAndCountsAFileTwice() throws Exception {
    Path input = tmp.resolve("in");
    Path intact = tmp.resolve("intact");
    Path damaged = tmp.resolve("damaged");
    threeBatches(false, input, intact);
    StatefulQuery.runOnce(false, audit(), input, damaged, Map.of());
    Path offsets = damaged.resolve("offsets/2");
    Files.writeString(offsets, Files.readString(offsets)
        .replace("\"logOffset\":2", "\"logOffset\":1"));
    Files.deleteIfExists(damaged.resolve("offsets/.2.crc"));
    StatefulQuery.addInput(input, "d.txt", "z");

    assertEquals(List.of("batch 3: [z=2]"),
        StatefulQuery.runOnce(false, audit(), input, intact, Map.of()));
    // c.txt (one x) is read again: x was 3 after batch 2.
    assertEquals(List.of("batch 3: [x=4, z=2]"),
        StatefulQuery.runOnce(false, audit(), input, damaged, Map.of()));
  }

  @Test
  void aFlippedByteInAStateFileFailsTheBatchThatWouldLoadIt() throws Exception {
    Map<String, String> settings = Map.of();
    if (sparkChecksumsStateFiles()) {
      // Spark 4.1+ names the file itself (CHECKPOINT_FILE_CHECKSUM_VERIFICATION_FAILED); with its
      // checksums off, the plugin's records take over.
      assertTrue(flipAByteInAStateFile("spark-checksums", Map.of())
          .contains("Checksum verification failed, the file may be corrupted. File: file:"
              + tmp.resolve("spark-checksums/location/state/0/0/3.delta")));
      settings = Map.of("spark.sql.streaming.checkpoint.fileChecksum.enabled", "false");
    }
    String message = flipAByteInAStateFile("plugin", settings);
    assertTrue(message.contains("state/0/0/3.delta differs from what was committed"), message);
  }

  /** Runs three batches, flips a byte of a state file, restarts; returns the failure. */
  private String flipAByteInAStateFile(String dir, Map<String, String> settings)
      throws Exception {
    Path input = tmp.resolve(dir).resolve("in");
    Path location = tmp.resolve(dir).resolve("location");
    StatefulQuery.addInput(input, "a.txt", "x", "y", "x");
    StatefulQuery.addInput(input, "b.txt", "y", "z");
    StatefulQuery.addInput(input, "c.txt", "x");
    StatefulQuery.runOnce(true, audit(), input, location, settings);
    Path delta = location.resolve("state/0/0/3.delta");
    byte[] bytes = Files.readAllBytes(delta);
    bytes[bytes.length / 2] ^= 0x01;
    // Damage by the storage (a bit flipped at rest): the file's time is unchanged. A state file
    // rewritten after its record is read unchecked instead (the next test).
    java.nio.file.attribute.FileTime written = Files.getLastModifiedTime(delta);
    Files.write(delta, bytes);
    Files.setLastModifiedTime(delta, written);
    Files.deleteIfExists(location.resolve("state/0/0/.3.delta.crc"));
    StatefulQuery.addInput(input, "d.txt", "z", "x", "y", "w");

    Exception failure = assertThrows(Exception.class,
        () -> StatefulQuery.runOnce(true, audit(), input, location, settings));
    return ExceptionUtils.getStackTrace(failure);
  }

  /**
   * Spark rewrites a state file in place when it re-runs a batch; a run without the plugin leaves
   * the old record beside the new file. A state file newer than its record is read unchecked
   * (a WARN and a streaming.file.unverified event), not called damaged.
   */
  @Test
  void aStateFileRewrittenAfterItsRecordIsReadUncheckedNotCalledDamaged() throws Exception {
    Map<String, String> settings = sparkChecksumsStateFiles()
        ? Map.of("spark.sql.streaming.checkpoint.fileChecksum.enabled", "false") : Map.of();
    Path input = tmp.resolve("in");
    Path location = tmp.resolve("location");
    StatefulQuery.addInput(input, "a.txt", "x", "y", "x");
    StatefulQuery.addInput(input, "b.txt", "y", "z");
    StatefulQuery.addInput(input, "c.txt", "x");
    StatefulQuery.runOnce(true, audit(), input, location, settings);
    // Another run's valid state file of the same version, written after the record.
    Path otherInput = tmp.resolve("other-in");
    Path other = tmp.resolve("other");
    StatefulQuery.addInput(otherInput, "a.txt", "x", "x", "x", "y");
    StatefulQuery.addInput(otherInput, "b.txt", "y");
    StatefulQuery.addInput(otherInput, "c.txt", "w");
    StatefulQuery.runOnce(false, audit(), otherInput, other, settings);
    Path delta = location.resolve("state/0/0/3.delta");
    Files.copy(other.resolve("state/0/0/3.delta"), delta,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.deleteIfExists(location.resolve("state/0/0/.3.delta.crc"));
    Path record = location.resolve("state/0/0/.3.delta.integrity");
    Files.setLastModifiedTime(delta, java.nio.file.attribute.FileTime.fromMillis(
        Files.getLastModifiedTime(record).toMillis() + 60_000));
    StatefulQuery.addInput(input, "d.txt", "z");

    StatefulQuery.runOnce(true, audit(), input, location, settings);
    List<JsonNode> unverified = LocalSpark.events(audit(), "streaming.file.unverified");
    assertTrue(unverified.stream().anyMatch(e -> e.get("file").asText().endsWith(
        "state/0/0/3.delta") && e.get("reason").asText().startsWith("rewritten after")),
        unverified.toString());
    assertTrue(LocalSpark.events(audit(), "streaming.file.damaged").isEmpty());
  }

  /** Only a well-formed record that disagrees with its file proves damage. */
  @Test
  void anUnreadableRecordLeavesTheFileToBeReadAsStockReadsIt() throws Exception {
    Path input = tmp.resolve("in");
    Path location = tmp.resolve("location");
    threeBatches(true, input, location);
    Files.writeString(location.resolve("offsets/.2.integrity"), "{\"version\":9}");
    Files.write(location.resolve("commits/.2.integrity"), new byte[0]);
    Files.deleteIfExists(location.resolve("offsets/..2.integrity.crc"));
    Files.deleteIfExists(location.resolve("commits/..2.integrity.crc"));
    StatefulQuery.addInput(input, "d.txt", "z");

    assertEquals(List.of("batch 3: [z=2]"),
        StatefulQuery.runOnce(true, audit(), input, location, Map.of()));
    List<String> unverified = LocalSpark.events(audit(), "streaming.file.unverified").stream()
        .map(e -> e.get("file").asText()).collect(Collectors.toList());
    assertTrue(unverified.stream().anyMatch(f -> f.endsWith("offsets/2"))
        && unverified.stream().anyMatch(f -> f.endsWith("commits/2")), unverified.toString());
  }

  /**
   * Spark 4.1 writes and checks CRC32C files for state store files by default (SPARK-51972);
   * 4.2 only with state store checkpoint format version 2, which is not the default.
   */
  static boolean sparkChecksumsStateFiles() {
    return org.apache.spark.package$.MODULE$.SPARK_VERSION().startsWith("4.1.");
  }

  @Test
  void switchedOffTheLocationIsStocksAlone() throws Exception {
    Path location = tmp.resolve("location");
    StatefulQuery.addInput(tmp.resolve("in"), "a.txt", "x");
    StatefulQuery.runOnce(true, audit(), tmp.resolve("in"), location,
        Map.of("spark.checkpointplus.sql.enabled", "false"));
    assertTrue(Files.exists(location.resolve("commits/0")));
    assertEquals(List.of(), recordedFiles(location));
  }

  @Test
  void aManagerTheApplicationSetIsWrappedNotReplaced() throws Exception {
    Path location = tmp.resolve("location");
    String sparkFileSystemManager = sparkClass("FileSystemBasedCheckpointFileManager");
    StatefulQuery.addInput(tmp.resolve("in"), "a.txt", "x");
    List<String> out = StatefulQuery.runOnce(true, audit(), tmp.resolve("in"), location,
        Map.of("spark.sql.streaming.checkpointFileManagerClass", sparkFileSystemManager));
    assertEquals(List.of("batch 0: [x=1]"), out);
    assertTrue(recordedFiles(location).contains("offsets/0"));
    JsonNode status = LocalSpark.events(audit(), "hook.status").get(0);
    assertNotNull(status);
    assertFalse(status.get("status").asText().equals("degraded"), status.toString());
  }

  /** Spark's class of that simple name, in the package of the running Spark line. */
  private static String sparkClass(String simpleName) {
    for (String pkg : List.of("org.apache.spark.sql.execution.streaming.checkpointing.",
        "org.apache.spark.sql.execution.streaming.")) {
      try {
        Class.forName(pkg + simpleName);
        return pkg + simpleName;
      } catch (ClassNotFoundException next) {
        // try the older package
      }
    }
    throw new AssertionError(simpleName + " not found");
  }

  /** Files of {@code location} that have an integrity record, relative, sorted. */
  static List<String> recordedFiles(Path location) throws IOException {
    try (Stream<Path> files = Files.walk(location)) {
      return files.filter(p -> IntegrityRecord.isRecordName(p.getFileName().toString()))
          .map(p -> {
            String name = p.getFileName().toString();
            Path data = p.resolveSibling(name.substring(1, name.length()
                - ".integrity".length()));
            return location.relativize(data).toString();
          }).sorted().collect(Collectors.toList());
    }
  }

  static String read(Path p) throws IOException {
    return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
  }
}
