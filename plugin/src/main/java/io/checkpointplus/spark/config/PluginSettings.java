package io.checkpointplus.spark.config;

import static io.checkpointplus.spark.config.CheckpointPlusConfig.*;

import io.checkpointplus.spark.policy.AncestorPolicy;
import io.checkpointplus.spark.audit.AuditSinkKind;
import io.checkpointplus.spark.files.CommitMode;
import io.checkpointplus.spark.files.VerifyMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The validated, immutable values of all settings for one application. Built once at start-up,
 * so an invalid value stops the application before any job runs, with a message naming the key,
 * the value and what is allowed.
 */
public final class PluginSettings {
  private final boolean enabled;
  private final boolean disabledByEnvironment;
  private final Optional<String> dir;
  private final boolean reuseEnabled;
  private final StorageLevel reuseStorageLevel;
  private final boolean reuseUnpersistAfter;
  private final boolean writeByteCopy;
  private final AncestorPolicy ancestorPolicy;
  private final int maxLineageDepth;
  private final int ancestorParallelism;
  private final boolean streamingBackgroundWrite;
  private final boolean rddBackgroundWrite;
  private final boolean ancestorDryRun;
  private final CommitMode filesCommit;
  private final VerifyMode filesVerify;
  private final boolean retentionEnabled;
  private final int retentionKeepLast;
  private final long retentionOlderThanMs;
  private final boolean retentionIncludeUnowned;
  private final boolean retentionDryRun;
  private final Set<AuditSinkKind> auditSinks;
  private final Optional<String> auditPath;
  private final int auditQueueSize;
  private final Optional<String> testingSparkVersion;
  private final boolean testingFailInstall;
  private final TestingFailure testingFailWith;
  private final List<String> ignoredWhileDisabled;
  private final boolean uiEnabled;
  private final boolean sqlEnabled;
  private final int uiRetainedCheckpoints;
  private final int uiRetainedQueries;
  private final int uiRetainedQueryBatches;

  private PluginSettings(SparkConf conf, Map<String, String> env) {
    this.disabledByEnvironment = readEnvironmentSwitch(env);
    // The switch is read before anything else is validated: switched off, the plugin must let
    // the application start whatever else the configuration holds (a streaming checkpoint can
    // bring back settings of another plugin version). An invalid value of the switch itself
    // fails fast unless the environment already switched the plugin off.
    Reader read = new Reader(conf, disabledByEnvironment);
    this.enabled = read.value(ENABLED) && !disabledByEnvironment;
    if (!enabled && !disabledByEnvironment) {
      read = new Reader(conf, true);
    }
    read.rejectUnknownKeys();
    // Spark's own key wins over the plugin's, on every line (CheckpointPlusConfig.DIR).
    Optional<String> pluginDir = read.value(DIR);
    this.dir = pluginDir;
    this.reuseEnabled = read.value(REUSE_ENABLED);
    this.reuseStorageLevel = read.value(REUSE_STORAGE_LEVEL);
    this.reuseUnpersistAfter = read.value(REUSE_UNPERSIST_AFTER);
    this.writeByteCopy = read.value(WRITE_BYTE_COPY);
    this.ancestorPolicy = read.value(ANCESTORS_POLICY);
    this.maxLineageDepth = read.value(ANCESTORS_MAX_LINEAGE_DEPTH);
    this.ancestorParallelism = read.value(ANCESTORS_PARALLELISM);
    this.ancestorDryRun = read.value(ANCESTORS_DRY_RUN);
    this.streamingBackgroundWrite = read.value(STREAMING_BACKGROUND_WRITE);
    this.rddBackgroundWrite = read.value(RDD_BACKGROUND_WRITE);
    this.filesCommit = read.value(FILES_COMMIT);
    this.filesVerify = read.value(FILES_VERIFY);
    this.retentionEnabled = read.value(FILES_RETENTION_ENABLED);
    this.retentionKeepLast = read.value(FILES_RETENTION_KEEP_LAST);
    this.retentionOlderThanMs = read.value(FILES_RETENTION_OLDER_THAN);
    this.retentionIncludeUnowned = read.value(FILES_RETENTION_INCLUDE_UNOWNED);
    this.retentionDryRun = read.value(FILES_RETENTION_DRY_RUN);
    this.auditSinks = read.value(AUDIT_SINKS);
    this.auditPath = read.value(AUDIT_PATH);
    this.auditQueueSize = read.value(AUDIT_QUEUE_SIZE);
    this.testingSparkVersion = read.value(TESTING_SPARK_VERSION);
    this.testingFailInstall = read.value(TESTING_FAIL_INSTALL);
    this.testingFailWith = read.value(TESTING_FAIL_WITH);
    this.uiEnabled = read.value(UI_ENABLED);
    this.sqlEnabled = read.value(SQL_ENABLED);
    this.uiRetainedCheckpoints = read.value(UI_RETAINED_CHECKPOINTS);
    this.uiRetainedQueries = read.value(UI_RETAINED_QUERIES);
    this.uiRetainedQueryBatches = read.value(UI_RETAINED_QUERY_BATCHES);
    this.ignoredWhileDisabled = read.ignored();
  }

  /**
   * Reads settings either strictly (the first problem throws) or, when the plugin is switched
   * off, leniently: a problem is noted for one warning and the setting keeps its default.
   */
  private static final class Reader {
    private final SparkConf conf;
    private final boolean lenient;
    private final List<String> ignored = new ArrayList<>();

    Reader(SparkConf conf, boolean lenient) {
      this.conf = conf;
      this.lenient = lenient;
    }

    <T> T value(ConfigEntry<T> entry) {
      try {
        return entry.readFrom(conf);
      } catch (InvalidConfigurationException e) {
        if (!lenient) {
          throw e;
        }
        ignored.add(e.getMessage());
        return entry.parse(entry.defaultText());
      }
    }

    void rejectUnknownKeys() {
      for (Tuple2<String, String> kv : conf.getAllWithPrefix(PREFIX)) {
        String key = PREFIX + kv._1();
        if (ALL.stream().noneMatch(e -> e.key().equals(key))) {
          InvalidConfigurationException e = unknownKey(key, kv._2());
          if (!lenient) {
            throw e;
          }
          ignored.add(e.getMessage());
        }
      }
    }

    List<String> ignored() {
      return List.copyOf(ignored);
    }
  }

  /** Reads and validates every setting; throws {@link InvalidConfigurationException}. */
  public static PluginSettings from(SparkConf conf) {
    return new PluginSettings(conf, System.getenv());
  }

  /** As {@link #from(SparkConf)}, with the environment given (for tests). */
  public static PluginSettings from(SparkConf conf, Map<String, String> env) {
    return new PluginSettings(conf, env);
  }

  private static boolean readEnvironmentSwitch(Map<String, String> env) {
    String raw = env.get(ENABLED_ENV);
    if (raw == null) {
      return false;
    }
    try {
      return !ConfigEntry.bool(ENABLED_ENV, true, "").parse(raw);
    } catch (InvalidConfigurationException e) {
      throw new InvalidConfigurationException("Invalid value '" + raw
          + "' for environment variable " + ENABLED_ENV + ": allowed is true or false");
    }
  }

  private static InvalidConfigurationException unknownKey(String key, String value) {
    List<String> documented = ALL.stream().filter(e -> !e.isInternal()).map(ConfigEntry::key)
        .collect(Collectors.toList());
    String suggestion = ClosestKey.to(key, documented, PREFIX)
        .map(k -> "; did you mean " + k + "?").orElse("");
    return new InvalidConfigurationException("Unknown setting " + key + " (value '" + value
        + "'): allowed keys are " + String.join(", ", documented) + suggestion);
  }

  /**
   * With the plugin switched off: the unknown keys and invalid values that were ignored, one
   * message each (naming key, value and what is allowed), for a single warning at start-up.
   * Empty when the plugin is on, since then the first problem stops start-up.
   */
  public List<String> ignoredWhileDisabled() {
    return ignoredWhileDisabled;
  }

  public boolean enabled() {
    return enabled;
  }

  public boolean disabledByEnvironment() {
    return disabledByEnvironment;
  }

  /**
   * {@code spark.checkpointplus.dir}: the checkpoint directory to set at start-up when none is
   * set by then. Spark 4 has by then applied its own {@code spark.checkpoint.dir}, which thus
   * wins; Spark 3 ignores that key, and so does the plugin (a directory being set changes what
   * MLlib, GraphX and {@code Dataset.checkpoint} do).
   */
  public Optional<String> dir() {
    return dir;
  }

  public boolean reuseEnabled() {
    return reuseEnabled;
  }

  public StorageLevel reuseStorageLevel() {
    return reuseStorageLevel;
  }

  public boolean reuseUnpersistAfter() {
    return reuseUnpersistAfter;
  }

  /** {@code spark.checkpointplus.write.byteCopy}: copy serialized blocks into checkpoint files. */
  public boolean writeByteCopy() {
    return writeByteCopy;
  }

  public AncestorPolicy ancestorPolicy() {
    return ancestorPolicy;
  }

  public int maxLineageDepth() {
    return maxLineageDepth;
  }

  public int ancestorParallelism() {
    return ancestorParallelism;
  }

  public boolean ancestorDryRun() {
    return ancestorDryRun;
  }

  public boolean streamingBackgroundWrite() {
    return streamingBackgroundWrite;
  }

  public boolean rddBackgroundWrite() {
    return rddBackgroundWrite;
  }

  public CommitMode filesCommit() {
    return filesCommit;
  }

  public VerifyMode filesVerify() {
    return filesVerify;
  }

  public boolean retentionEnabled() {
    return retentionEnabled;
  }

  public int retentionKeepLast() {
    return retentionKeepLast;
  }

  public long retentionOlderThanMs() {
    return retentionOlderThanMs;
  }

  public boolean retentionIncludeUnowned() {
    return retentionIncludeUnowned;
  }

  public boolean retentionDryRun() {
    return retentionDryRun;
  }

  public Set<AuditSinkKind> auditSinks() {
    return auditSinks;
  }

  public int auditQueueSize() {
    return auditQueueSize;
  }

  /**
   * Every setting with the value in force (given or default), as a user would write it, for the
   * {@code hook.status} event.
   */
  public static Map<String, String> effective(SparkConf conf) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (ConfigEntry<?> e : ALL) {
      String value = conf.contains(e.key()) ? conf.get(e.key()) : e.defaultText();
      if (value != null) {
        out.put(e.key(), value);
      }
    }
    return out;
  }

  public Optional<String> auditPath() {
    return auditPath;
  }

  public Optional<String> testingSparkVersion() {
    return testingSparkVersion;
  }

  public boolean testingFailInstall() {
    return testingFailInstall;
  }

  public TestingFailure testingFailWith() {
    return testingFailWith;
  }

  /** Whether query checkpoint locations get the plugin's file manager. */
  public boolean sqlEnabled() {
    return sqlEnabled;
  }

  public boolean uiEnabled() {
    return uiEnabled;
  }

  public int uiRetainedCheckpoints() {
    return uiRetainedCheckpoints;
  }

  public int uiRetainedQueries() {
    return uiRetainedQueries;
  }

  public int uiRetainedQueryBatches() {
    return uiRetainedQueryBatches;
  }
}
