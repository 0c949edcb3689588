package io.checkpointplus.spark.config;

import static io.checkpointplus.spark.config.CheckpointPlusConfig.*;

import io.checkpointplus.spark.policy.AncestorPolicy;
import io.checkpointplus.spark.audit.AuditSinkKind;
import io.checkpointplus.spark.files.CommitMode;
import io.checkpointplus.spark.files.VerifyMode;
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
  private final AncestorPolicy ancestorPolicy;
  private final int maxLineageDepth;
  private final int ancestorParallelism;
  private final boolean ancestorDryRun;
  private final CommitMode filesCommit;
  private final VerifyMode filesVerify;
  private final boolean retentionEnabled;
  private final int retentionKeepLast;
  private final long retentionOlderThanMs;
  private final boolean retentionDryRun;
  private final Set<AuditSinkKind> auditSinks;
  private final Optional<String> auditPath;
  private final int auditQueueSize;
  private final Optional<String> testingSparkVersion;
  private final boolean testingFailInstall;

  private PluginSettings(SparkConf conf, Map<String, String> env) {
    rejectUnknownKeys(conf);
    this.disabledByEnvironment = readEnvironmentSwitch(env);
    this.enabled = ENABLED.readFrom(conf) && !disabledByEnvironment;
    this.dir = DIR.readFrom(conf);
    this.reuseEnabled = REUSE_ENABLED.readFrom(conf);
    this.reuseStorageLevel = REUSE_STORAGE_LEVEL.readFrom(conf);
    this.reuseUnpersistAfter = REUSE_UNPERSIST_AFTER.readFrom(conf);
    this.ancestorPolicy = ANCESTORS_POLICY.readFrom(conf);
    this.maxLineageDepth = ANCESTORS_MAX_LINEAGE_DEPTH.readFrom(conf);
    this.ancestorParallelism = ANCESTORS_PARALLELISM.readFrom(conf);
    this.ancestorDryRun = ANCESTORS_DRY_RUN.readFrom(conf);
    this.filesCommit = FILES_COMMIT.readFrom(conf);
    this.filesVerify = FILES_VERIFY.readFrom(conf);
    this.retentionEnabled = FILES_RETENTION_ENABLED.readFrom(conf);
    this.retentionKeepLast = FILES_RETENTION_KEEP_LAST.readFrom(conf);
    this.retentionOlderThanMs = FILES_RETENTION_OLDER_THAN.readFrom(conf);
    this.retentionDryRun = FILES_RETENTION_DRY_RUN.readFrom(conf);
    this.auditSinks = AUDIT_SINKS.readFrom(conf);
    this.auditPath = AUDIT_PATH.readFrom(conf);
    this.auditQueueSize = AUDIT_QUEUE_SIZE.readFrom(conf);
    this.testingSparkVersion = TESTING_SPARK_VERSION.readFrom(conf);
    this.testingFailInstall = TESTING_FAIL_INSTALL.readFrom(conf);
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

  private static void rejectUnknownKeys(SparkConf conf) {
    for (Tuple2<String, String> kv : conf.getAllWithPrefix(PREFIX)) {
      String key = PREFIX + kv._1();
      boolean known = ALL.stream().anyMatch(e -> e.key().equals(key));
      if (!known) {
        throw new InvalidConfigurationException("Unknown setting " + key + " (value '" + kv._2()
            + "'): allowed keys are " + ALL.stream().filter(e -> !e.isInternal())
                .map(ConfigEntry::key).collect(Collectors.joining(", ")));
      }
    }
  }

  public boolean enabled() {
    return enabled;
  }

  public boolean disabledByEnvironment() {
    return disabledByEnvironment;
  }

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
}
