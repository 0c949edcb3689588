package io.checkpointplus.spark.structured;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** When Spark checksums state files itself, so that the plugin does not do it twice. */
class SparkStateChecksumsTest {
  private static Configuration conf(String... keyValues) {
    Configuration c = new Configuration(false);
    for (int i = 0; i < keyValues.length; i += 2) {
      c.set(keyValues[i], keyValues[i + 1]);
    }
    return c;
  }

  @Test
  void notBeforeSpark41() {
    assertFalse(QueryFileStore.sparkChecksumsStateFiles(conf(), "3.5.9"));
    assertFalse(QueryFileStore.sparkChecksumsStateFiles(conf(), "4.0.1"));
  }

  @Test
  void onSpark41ByDefaultUnlessSwitchedOff() {
    assertTrue(QueryFileStore.sparkChecksumsStateFiles(conf(), "4.1.0"));
    assertFalse(QueryFileStore.sparkChecksumsStateFiles(conf(
        "spark.sql.streaming.checkpoint.fileChecksum.enabled", "false"), "4.1.0"));
  }

  @Test
  void fromSpark42OnlyWithCheckpointFormatVersion2() {
    assertFalse(QueryFileStore.sparkChecksumsStateFiles(conf(), "4.2.0"));
    assertTrue(QueryFileStore.sparkChecksumsStateFiles(conf(
        "spark.sql.streaming.stateStore.checkpointFormatVersion", "2"), "4.2.0-SNAPSHOT"));
  }
}
