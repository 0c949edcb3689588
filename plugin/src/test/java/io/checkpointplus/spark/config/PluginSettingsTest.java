package io.checkpointplus.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;

/** Settings are read once, validated, and refused with a message that says how to fix them. */
class PluginSettingsTest {

  private static PluginSettings read(String... keyValues) {
    SparkConf conf = new SparkConf(false);
    for (int i = 0; i < keyValues.length; i += 2) {
      conf.set(keyValues[i], keyValues[i + 1]);
    }
    return PluginSettings.from(conf, Map.of());
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    PluginSettings s = read();
    assertTrue(s.enabled());
    assertTrue(s.dir().isEmpty());
    assertTrue(s.reuseEnabled());
    assertEquals(StorageLevel.DISK_ONLY(), s.reuseStorageLevel());
    assertTrue(s.reuseUnpersistAfter());
    assertTrue(s.auditPath().isEmpty());
  }

  @Test
  void valuesAreParsedLeniently() {
    PluginSettings s = read("spark.checkpointplus.enabled", " FALSE ",
        "spark.checkpointplus.reuse.storageLevel", "memory_only_ser",
        "spark.checkpointplus.dir", "/tmp/cp");
    assertFalse(s.enabled());
    assertEquals(StorageLevel.MEMORY_ONLY_SER(), s.reuseStorageLevel());
    assertEquals("/tmp/cp", s.dir().get());
  }

  @Test
  void invalidBooleanNamesKeyValueAndWhatIsAllowed() {
    InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
        () -> read("spark.checkpointplus.reuse.enabled", "yes"));
    assertEquals("Invalid value 'yes' for spark.checkpointplus.reuse.enabled: allowed is true or"
        + " false", e.getMessage());
  }

  @Test
  void storageLevelNoneAndUnknownNamesAreRefused() {
    for (String bad : new String[] {"NONE", "FAST", ""}) {
      InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
          () -> read("spark.checkpointplus.reuse.storageLevel", bad));
      assertTrue(e.getMessage().startsWith("Invalid value '" + bad
          + "' for spark.checkpointplus.reuse.storageLevel: allowed is a Spark storage level"),
          e.getMessage());
    }
  }

  @Test
  void ancestorSettingsAreValidated() {
    assertEquals("Invalid value 'sometimes' for spark.checkpointplus.ancestors.policy: allowed is"
        + " one of nearest, marked, auto", assertThrows(InvalidConfigurationException.class,
            () -> read("spark.checkpointplus.ancestors.policy", "sometimes")).getMessage());
    assertEquals("Invalid value '0' for spark.checkpointplus.ancestors.maxLineageDepth: allowed"
        + " is an integer >= 1", assertThrows(InvalidConfigurationException.class,
            () -> read("spark.checkpointplus.ancestors.maxLineageDepth", "0")).getMessage());
    assertEquals("Invalid value '-1' for spark.checkpointplus.ancestors.parallelism: allowed is"
        + " an integer from 1 to 64", assertThrows(InvalidConfigurationException.class,
            () -> read("spark.checkpointplus.ancestors.parallelism", "-1")).getMessage());
    PluginSettings s = read("spark.checkpointplus.ancestors.policy", "AUTO");
    assertEquals(io.checkpointplus.spark.policy.AncestorPolicy.AUTO, s.ancestorPolicy());
    assertEquals(100, s.maxLineageDepth());
    assertEquals(4, s.ancestorParallelism());
  }

  @Test
  void unknownKeyIsRefusedWithTheKnownKeys() {
    InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
        () -> read("spark.checkpointplus.reuse.enable", "true"));
    assertTrue(e.getMessage().startsWith(
        "Unknown setting spark.checkpointplus.reuse.enable (value 'true'): allowed keys are "
            + "spark.checkpointplus.enabled, "), e.getMessage());
    assertFalse(e.getMessage().contains("testing."), "internal keys are not advertised");
  }

  @Test
  void environmentSwitchWinsOverConfiguration() {
    SparkConf conf = new SparkConf(false).set("spark.checkpointplus.enabled", "true");
    PluginSettings off = PluginSettings.from(conf, Map.of("SPARK_CHECKPOINTPLUS_ENABLED", "false"));
    assertFalse(off.enabled());
    assertTrue(off.disabledByEnvironment());
    assertTrue(PluginSettings.from(conf, Map.of("SPARK_CHECKPOINTPLUS_ENABLED", "true")).enabled());
    InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
        () -> PluginSettings.from(conf, Map.of("SPARK_CHECKPOINTPLUS_ENABLED", "off")));
    assertEquals("Invalid value 'off' for environment variable SPARK_CHECKPOINTPLUS_ENABLED:"
        + " allowed is true or false", e.getMessage());
  }

  @Test
  void theOffSwitchInTheConfigurationWinsOverUnknownAndInvalidSettings() {
    PluginSettings s = read("spark.checkpointplus.enabled", "false",
        "spark.checkpointplus.reuse.storagelevel", "MEMORY_ONLY",
        "spark.checkpointplus.ancestors.policy", "sometimes");
    assertFalse(s.enabled());
    assertEquals(2, s.ignoredWhileDisabled().size(), s.ignoredWhileDisabled().toString());
    assertTrue(s.ignoredWhileDisabled().stream().anyMatch(p -> p.contains(
        "spark.checkpointplus.reuse.storagelevel")), s.ignoredWhileDisabled().toString());
    assertTrue(s.ignoredWhileDisabled().stream().anyMatch(p -> p.contains(
        "Invalid value 'sometimes' for spark.checkpointplus.ancestors.policy")),
        s.ignoredWhileDisabled().toString());
  }

  @Test
  void theEnvironmentOffSwitchWinsOverUnknownAndInvalidSettings() {
    SparkConf conf = new SparkConf(false)
        .set("spark.checkpointplus.enabled", "maybe")
        .set("spark.checkpointplus.from.a.newer.version", "1")
        .set("spark.checkpointplus.audit.queueSize", "0");
    PluginSettings s = PluginSettings.from(conf, Map.of("SPARK_CHECKPOINTPLUS_ENABLED", "false"));
    assertFalse(s.enabled());
    assertTrue(s.disabledByEnvironment());
    assertEquals(3, s.ignoredWhileDisabled().size(), s.ignoredWhileDisabled().toString());
  }

  @Test
  void anInvalidSwitchItselfStillFailsFast() {
    assertEquals("Invalid value 'flase' for spark.checkpointplus.enabled: allowed is true or"
        + " false", assertThrows(InvalidConfigurationException.class,
            () -> read("spark.checkpointplus.enabled", "flase")).getMessage());
  }

  @Test
  void whenEnabledNothingIsIgnored() {
    assertTrue(read().ignoredWhileDisabled().isEmpty());
    assertTrue(read("spark.checkpointplus.enabled", "false").ignoredWhileDisabled().isEmpty());
  }

  @Test
  void aDurationWithoutAUnitIsRefused() {
    assertEquals("Invalid value '3600' for spark.checkpointplus.files.retention.olderThan:"
        + " allowed is a duration with a unit (ms, s, min, h, d) of at least 10min, such as"
        + " 15min, 12h or 7d",
        assertThrows(InvalidConfigurationException.class,
            () -> read("spark.checkpointplus.files.retention.olderThan", "3600")).getMessage());
    assertEquals(5_400_000L, read("spark.checkpointplus.files.retention.olderThan", "90min")
        .retentionOlderThanMs());
    assertEquals(7L * 24 * 3600 * 1000, read("spark.checkpointplus.files.retention.olderThan",
        " 7d ").retentionOlderThanMs());
  }

  @Test
  void anUnknownKeySuggestsTheClosestKnownKey() {
    InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
        () -> read("spark.checkpointplus.reuse.storagelevel", "MEMORY_ONLY"));
    assertTrue(e.getMessage().endsWith("did you mean spark.checkpointplus.reuse.storageLevel?"),
        e.getMessage());
    InvalidConfigurationException typo = assertThrows(InvalidConfigurationException.class,
        () -> read("spark.checkpointplus.ancestor.paralelism", "2"));
    assertTrue(typo.getMessage().endsWith("did you mean spark.checkpointplus.ancestors.parallelism?"),
        typo.getMessage());
    InvalidConfigurationException far = assertThrows(InvalidConfigurationException.class,
        () -> read("spark.checkpointplus.something.else.entirely", "1"));
    assertFalse(far.getMessage().contains("did you mean"), far.getMessage());
  }
}
