package io.checkpointplus.spark.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.config.CheckpointPlusConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code hook.status} event on a Spark the jar must not touch, written with JDK code alone
 * to the sinks the settings name, as the plugin's configuration would read them.
 */
class UnsupportedRuntimeTest {
  private static final SparkVersionSupport.Verdict OTHER_SCALA = new SparkVersionSupport.Verdict(
      false, "4.1.0", "3.4.x, 3.5.x", "Spark 4.1.0 runs Scala 2.13; this jar is built for Scala"
          + " 2.12: use spark-checkpoint-plus_2.13-0.1.0.jar");

  @TempDir
  Path tmp;

  /** The settings it reads without the configuration classes are the configuration's own. */
  @Test
  void readsTheConfigurationsKeysAndDefaults() {
    assertEquals(CheckpointPlusConfig.ENABLED.key(), UnsupportedRuntime.ENABLED);
    assertEquals(CheckpointPlusConfig.AUDIT_PATH.key(), UnsupportedRuntime.AUDIT_PATH);
    assertEquals(CheckpointPlusConfig.AUDIT_SINKS.key(), UnsupportedRuntime.AUDIT_SINKS);
    assertEquals(CheckpointPlusConfig.AUDIT_SINKS.defaultText(), UnsupportedRuntime.DEFAULT_SINKS);
  }

  @Test
  void theEventGoesToTheAuditFile() throws IOException {
    Path audit = tmp.resolve("dir").resolve("audit.jsonl");
    new UnsupportedRuntime(OTHER_SCALA, Map.of(UnsupportedRuntime.AUDIT_PATH, audit.toString())
        ::get).recordNotInstalled("app-1");

    List<String> lines = Files.readAllLines(audit);
    assertEquals(1, lines.size());
    JsonNode event = new ObjectMapper().readTree(lines.get(0));
    assertEquals("hook.status", event.get("type").asText());
    assertEquals("app-1", event.get("appId").asText());
    assertEquals("not-installed", event.get("status").asText());
    assertEquals("4.1.0", event.get("sparkVersion").asText());
    assertEquals("3.4.x, 3.5.x", event.get("verifiedRange").asText());
    assertEquals(OTHER_SCALA.reason(), event.get("reason").asText());
  }

  @Test
  void noFileWithoutTheJsonlSinkOrWhenSwitchedOff() {
    Path audit = tmp.resolve("audit.jsonl");
    new UnsupportedRuntime(OTHER_SCALA, Map.of(UnsupportedRuntime.AUDIT_PATH, audit.toString(),
        UnsupportedRuntime.AUDIT_SINKS, "log, eventlog")::get).recordNotInstalled("app-1");
    assertFalse(Files.exists(audit));

    UnsupportedRuntime off = new UnsupportedRuntime(OTHER_SCALA, Map.of(
        UnsupportedRuntime.AUDIT_PATH, audit.toString(), UnsupportedRuntime.ENABLED, " FALSE")::get);
    assertTrue(off.switchedOff());
    off.recordNotInstalled("app-1");
    assertFalse(Files.exists(audit));
  }

  @Test
  void anUnwritableAuditFileDoesNotThrow() throws IOException {
    Path file = Files.createFile(tmp.resolve("a-file"));
    new UnsupportedRuntime(OTHER_SCALA, Map.of(UnsupportedRuntime.AUDIT_PATH,
        file.resolve("audit.jsonl").toString())::get).recordNotInstalled("app-1");
    assertFalse(Files.exists(file.resolve("audit.jsonl")));
  }
}
