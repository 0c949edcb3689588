package io.checkpointplus.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The plugin hides what Spark hides, without calling Spark's version-specific Utils.redact. */
class RedactionTest {

  private static Map<String, String> settings() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("spark.checkpointplus.audit.path", "/tmp/audit.jsonl");
    m.put("spark.checkpointplus.dir", "s3a://bucket/cp?password=hunter2");
    m.put("fs.s3a.access.key", "AKIA");
    m.put("my.Token", "abc");
    m.put("spark.checkpointplus.reuse.storageLevel", "MEMORY_AND_DISK");
    return m;
  }

  @Test
  void sparksDefaultRegexMatchesKeysAndValues() {
    Map<String, String> out = Redaction.from(new SparkConf(false)).apply(settings());
    assertEquals(List.of("spark.checkpointplus.audit.path", "spark.checkpointplus.dir",
        "fs.s3a.access.key", "my.Token", "spark.checkpointplus.reuse.storageLevel"),
        List.copyOf(out.keySet()), "order kept");
    assertEquals("/tmp/audit.jsonl", out.get("spark.checkpointplus.audit.path"));
    assertEquals("*********(redacted)", out.get("spark.checkpointplus.dir"), "value matched");
    assertEquals("*********(redacted)", out.get("fs.s3a.access.key"));
    assertEquals("*********(redacted)", out.get("my.Token"));
    assertEquals("MEMORY_AND_DISK", out.get("spark.checkpointplus.reuse.storageLevel"));
  }

  @Test
  void theRegexComesFromSparkRedactionRegex() {
    Map<String, String> out = Redaction.from(new SparkConf(false)
        .set("spark.redaction.regex", "audit")).apply(settings());
    assertEquals("*********(redacted)", out.get("spark.checkpointplus.audit.path"));
    assertEquals("AKIA", out.get("fs.s3a.access.key"));
  }

  @Test
  void anInvalidRegexRedactsEverything() {
    Map<String, String> out = Redaction.from(new SparkConf(false)
        .set("spark.redaction.regex", "(unclosed")).apply(settings());
    out.values().forEach(v -> assertEquals("*********(redacted)", v));
  }
}
