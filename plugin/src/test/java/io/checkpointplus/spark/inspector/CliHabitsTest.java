package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializationStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, defect 7: {@code --help} on every command, JSON errors with {@code --json}, a
 * {@code schemaVersion} on every JSON object, and out of memory reported as an error (exit 3,
 * one line saying how to raise the heap), never as "damage found" with a stack trace.
 */
class CliHabitsTest {
  private static final List<String> COMMANDS = List.of("list", "verify", "show",
      "upgrade-check", "diff", "clean", "summary");
  @TempDir
  static Path tmp;

  @Test
  void helpWorksOnEveryCommand() {
    Fixtures.onlyWithTheDefaultSerializer();
    for (String command : COMMANDS) {
      for (String flag : List.of("--help", "-h")) {
        InspectorRun run = InspectorRun.of(command, flag);
        assertEquals(0, run.exitCode(), command + " " + flag + ": " + run);
        assertTrue(run.out().startsWith("Usage: checkpoint-plus " + command), run.out());
      }
      InspectorRun help = InspectorRun.of("help", command);
      assertEquals(0, help.exitCode(), help.toString());
      assertTrue(help.out().startsWith("Usage: checkpoint-plus " + command), help.out());
    }
    assertTrue(InspectorRun.of("clean", "--help").out().contains("--include-unowned"));
  }

  @Test
  void errorsAreJsonWithJsonAndKeepTheirExitCodes() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    InspectorRun usage = InspectorRun.of("verify", "x", "--bogus", "--json");
    assertEquals(2, usage.exitCode(), usage.toString());
    assertEquals("usage", usage.json().get("error").get("kind").asText(), usage.out());
    assertTrue(usage.json().get("error").get("message").asText().contains("--bogus"));
    assertEquals(2, usage.json().get("exitCode").asInt());
    assertEquals(1, usage.json().get("schemaVersion").asInt());

    InspectorRun missing = InspectorRun.of("list", tmp.resolve("nowhere").toString(), "--json");
    assertEquals(3, missing.exitCode(), missing.toString());
    assertEquals("io", missing.json().get("error").get("kind").asText(), missing.out());
    assertEquals(3, missing.json().get("exitCode").asInt());
    assertEquals(1, missing.json().get("schemaVersion").asInt());

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    for (String command : List.of("list", "summary")) {
      InspectorRun ok = InspectorRun.of(command, empty.toString(), "--json");
      assertEquals(0, ok.exitCode(), ok.toString());
      assertEquals(1, ok.json().get("schemaVersion").asInt(), ok.out());
      assertEquals("schemaVersion", ok.json().fieldNames().next(), "first field: " + ok.out());
    }
  }

  /**
   * A Kryo part file whose long[] claims 2^31 - 2 elements: reading it runs out of memory at
   * once (the array cannot be allocated), as a damaged file of a huge checkpoint may.
   */
  private static Path hugeArrayCheckpoint(String name) throws Exception {
    SparkConf conf = new SparkConf(false);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SerializationStream s = new KryoSerializer(conf).newInstance().serializeStream(bytes);
    s.writeObject(new long[] {42L}, scala.reflect.ClassTag$.MODULE$.Any());
    s.close();
    byte[] one = bytes.toByteArray();
    // ... [class id] [length + 1 = 2, a varint] [8 bytes of 42L]
    byte[] head = Arrays.copyOf(one, one.length - 9);
    assertEquals(2, one[one.length - 9], "the length varint of long[1]");
    byte[] huge = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07};
    Path rdd = Files.createDirectories(tmp.resolve(name).resolve("rdd-0"));
    byte[] file = Arrays.copyOf(head, head.length + huge.length);
    System.arraycopy(huge, 0, file, head.length, huge.length);
    Files.write(rdd.resolve("part-00000"), file);
    return rdd;
  }

  @Test
  void outOfMemoryIsAnErrorWithOneLineSayingHowToRaiseTheHeap() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    Path a = hugeArrayCheckpoint("oom-a");
    Path b = hugeArrayCheckpoint("oom-b");
    String kryo = "spark.serializer=" + KryoSerializer.class.getName();
    InspectorRun run = InspectorRun.of("diff", a.toString(), b.toString(), "--conf", kryo);
    assertEquals(3, run.exitCode(), run.toString());
    assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    assertTrue(run.err().contains("out of memory") && run.err().contains("JAVA_OPTS=-Xmx"),
        run.err());
    InspectorRun json = InspectorRun.of("diff", a.toString(), b.toString(), "--conf", kryo,
        "--json");
    assertEquals(3, json.exitCode(), json.toString());
    assertEquals("out-of-memory", json.json().get("error").get("kind").asText(), json.out());
  }
}
