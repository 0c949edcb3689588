package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.structured.StatefulQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code verify} on Structured Streaming query locations, against what a real restart does: a
 * location written by the plugin or by stock Spark, three micro-batches of a stateful count, is
 * damaged one way; {@code verify} says intact (with notes, for what a restart survives), or names
 * each damaged file with what it means for the restart ("fails", "may fail", or "no restart
 * reads it"); then the query restarts on the Spark that wrote
 * it with one more input file. Where {@code verify} said the restart fails, it fails; where it said
 * intact or that no restart reads the file, the restart runs and outputs what an undamaged
 * location's restart outputs.
 */
class QueryLocationVerifyTest {
  @TempDir
  static Path tmp;

  /** Output of a restart of an undamaged location: the batch after the three. */
  private static List<String> undamagedRestart;

  @BeforeAll
  static void restartOfAnUndamagedLocation() throws Exception {
    Path input = input(tmp.resolve("reference-in"));
    Path location = tmp.resolve("reference");
    StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"), input, location, Map.of());
    StatefulQuery.addInput(input, "d.txt", "z", "x", "y", "w");
    undamagedRestart = StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"), input, location,
        Map.of());
    assertEquals(1, undamagedRestart.size(), undamagedRestart.toString());
  }

  private static Path input(Path input) {
    StatefulQuery.addInput(input, "a.txt", "x", "y", "x");
    StatefulQuery.addInput(input, "b.txt", "y", "z");
    StatefulQuery.addInput(input, "c.txt", "x");
    return input;
  }

  @ParameterizedTest(name = "written by {0}, {1}")
  @CsvSource({
      "plugin, none",
      "plugin, a byte flipped in a state delta the restart loads",
      "plugin, a value changed in the latest offsets",
      "plugin, a value changed in the first offsets",
      "plugin, a state delta the restart loads deleted",
      "plugin, a commit cut short",
      "plugin, an older batch's commit deleted",
      "stock, none",
      "stock, a state delta the restart loads deleted",
      "stock, a state partition's directory deleted",
      "stock, the query id file deleted",
      "stock, a byte flipped in a state delta the restart loads (its .crc kept)"})
  void verifyPredictsTheRestart(String writer, String damage) throws Exception {
    boolean plugin = writer.equals("plugin");
    Path dir = tmp.resolve(writer + "-" + damage.replaceAll("[^a-z]+", "-"));
    Path input = input(dir.resolve("in"));
    Path location = dir.resolve("location");
    Path audit = dir.resolve("audit.jsonl");
    StatefulQuery.runOnce(plugin, audit, input, location, Map.of());
    damage(location, damage);

    InspectorRun verify = InspectorRun.of("verify", location.toString(), "--json");
    JsonNode json = verify.json();
    List<String> damaged = new ArrayList<>();
    boolean restartFails = false;
    boolean restartMayFail = false;
    for (JsonNode f : json.get("findings")) {
      if (f.get("damage").asBoolean()) {
        String message = f.get("message").asText();
        damaged.add(f.get("file").asText() + ": " + message);
        assertTrue(message.contains("the restart fails") || message.contains("no restart reads it")
            || message.contains("may fail"),
            "each damaged file says what it means for the restart: " + message);
        restartFails |= message.contains("the restart fails");
        restartMayFail |= message.contains("may fail");
      }
    }
    if (damage.equals("none")) {
      assertTrue(damaged.isEmpty(), verify.toString());
    }
    // Otherwise the restart is the oracle: damage a restart survives is rightly not damage.
    assertEquals(damaged.isEmpty() ? 0 : 1, verify.exitCode(), verify.toString());
    if (plugin) {
      assertTrue(json.get("integrityRecords").get("intact").asInt() > 0, verify.toString());
    }

    StatefulQuery.addInput(input, "d.txt", "z", "x", "y", "w");
    if (restartMayFail && !restartFails) {
      // Bytes that differ from those written, in a file Spark reads without checking: what the
      // restart does depends on where they differ (here it decodes them and runs); verify may
      // only say that it may fail, never that it succeeds.
      try {
        StatefulQuery.runOnce(plugin, audit, input, location, Map.of());
      } catch (Exception acceptable) {
        // either outcome is what verify said
      }
      return;
    }
    if (restartFails) {
      assertThrows(Exception.class,
          () -> StatefulQuery.runOnce(plugin, audit, input, location, Map.of()),
          "verify said the restart fails: " + damaged);
    } else {
      assertEquals(undamagedRestart,
          StatefulQuery.runOnce(plugin, audit, input, location, Map.of()),
          "verify said " + (damaged.isEmpty() ? "intact" : "no restart reads " + damaged));
    }
  }

  private static void damage(Path location, String damage) throws IOException {
    switch (damage) {
      case "none" -> { }
      case "a byte flipped in a state delta the restart loads" -> {
        flip(location.resolve("state/0/0/3.delta"));
        Files.deleteIfExists(location.resolve("state/0/0/.3.delta.crc"));
      }
      case "a byte flipped in a state delta the restart loads (its .crc kept)" ->
          flip(location.resolve("state/0/1/2.delta"));
      case "a value changed in the latest offsets" -> changeOffsets(location, 2);
      case "a value changed in the first offsets" -> changeOffsets(location, 0);
      case "a state delta the restart loads deleted" -> {
        Files.delete(location.resolve("state/0/1/2.delta"));
        Files.deleteIfExists(location.resolve("state/0/1/.2.delta.crc"));
        Files.deleteIfExists(location.resolve("state/0/1/.2.delta.integrity"));
        Files.deleteIfExists(location.resolve("state/0/1/..2.delta.integrity.crc"));
      }
      case "an older batch's commit deleted" -> {
        Files.delete(location.resolve("commits/0"));
        Files.deleteIfExists(location.resolve("commits/.0.crc"));
      }
      case "a state partition's directory deleted" ->
          org.apache.commons.io.FileUtils.deleteDirectory(location.resolve("state/0/1").toFile());
      case "the query id file deleted" -> {
        Files.delete(location.resolve("metadata"));
        Files.deleteIfExists(location.resolve(".metadata.crc"));
      }
      case "a commit cut short" -> {
        Path commit = location.resolve("commits/2");
        byte[] bytes = Files.readAllBytes(commit);
        Files.write(commit, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Files.deleteIfExists(location.resolve("commits/.2.crc"));
      }
      default -> throw new IllegalArgumentException(damage);
    }
  }

  /** A bit flipped at rest: same size, same time (so never taken for a re-run's rewrite). */
  private static void flip(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x01;
    FileTime written = Files.getLastModifiedTime(file);
    Files.write(file, bytes);
    Files.setLastModifiedTime(file, written);
  }

  /** One digit of a source offset changed, size kept, Hadoop's .crc gone (as on object stores). */
  private static void changeOffsets(Path location, int batch) throws IOException {
    Path offsets = location.resolve("offsets/" + batch);
    String content = Files.readString(offsets);
    String changed = content.replace("\"logOffset\":" + batch,
        "\"logOffset\":" + (batch == 0 ? 1 : batch - 1));
    assertFalse(changed.equals(content), content);
    FileTime written = Files.getLastModifiedTime(offsets);
    Files.writeString(offsets, changed);
    Files.setLastModifiedTime(offsets, written);
    Files.deleteIfExists(location.resolve("offsets/." + batch + ".crc"));
  }
}
