package io.checkpointplus.spark.activation;

import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.JsonLinesSink;
import io.checkpointplus.spark.audit.LogSink;
import io.checkpointplus.spark.config.CheckpointPlusConfig;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the plugin does on a Spark it must not touch ({@link SparkVersionSupport} said no): one
 * WARN line and a {@code hook.status} event {@code not-installed}, with JDK code and SLF4J
 * (which every Spark ships) only. The event goes to the sinks that need nothing of Spark: the
 * file {@code spark.checkpointplus.audit.path} and the log; the default file beside the
 * checkpoint directory, Spark's event log and its metrics are out of reach. Settings are read
 * through {@code setting} (key to value, {@code null} when unset), never parsed by the plugin's
 * configuration classes, which use Spark types. Switched off, the plugin stays silent, as it
 * does on a supported Spark.
 */
final class UnsupportedRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(UnsupportedRuntime.class);

  // The keys and default of CheckpointPlusConfig, whose entries cannot be read here (that class
  // loads Spark's StorageLevel); a test keeps them equal.
  static final String ENABLED = CheckpointPlusConfig.PREFIX + "enabled";
  static final String AUDIT_PATH = CheckpointPlusConfig.PREFIX + "audit.path";
  static final String AUDIT_SINKS = CheckpointPlusConfig.PREFIX + "audit.sinks";
  static final String DEFAULT_SINKS = "eventlog,jsonl,log,metrics";

  private final SparkVersionSupport.Verdict verdict;
  private final UnaryOperator<String> setting;

  UnsupportedRuntime(SparkVersionSupport.Verdict verdict, UnaryOperator<String> setting) {
    this.verdict = verdict;
    this.setting = setting;
  }

  /** {@code spark.checkpointplus.enabled=false}, or the environment switch. */
  boolean switchedOff() {
    return isFalse(System.getenv(CheckpointPlusConfig.ENABLED_ENV))
        || isFalse(setting.apply(ENABLED));
  }

  private static boolean isFalse(String value) {
    return value != null && value.trim().equalsIgnoreCase("false");
  }

  /**
   * The one WARN line, or an INFO line when the plugin is switched off anyway; never throws but
   * a {@link VirtualMachineError}.
   */
  void warn() {
    try {
      if (switchedOff()) {
        LOG.info("spark-checkpoint-plus is switched off; Spark runs natively ({})",
            verdict.reason());
      } else {
        LOG.warn("spark-checkpoint-plus is not active, Spark runs natively: {}",
            verdict.reason());
      }
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable ignored) {
      // Nothing of the plugin may reach the application.
    }
  }

  /** Records the {@code hook.status} event; never throws but a {@link VirtualMachineError}. */
  void recordNotInstalled(String appId) {
    try {
      if (switchedOff()) {
        return;
      }
      AuditEvent event = AuditEvent.of(AuditEvent.Type.HOOK_STATUS, appId)
          .with("status", "not-installed")
          .with("sparkVersion", verdict.sparkVersion())
          .with("verifiedRange", verdict.verifiedRange())
          .with("reason", verdict.reason())
          .build();
      Set<String> sinks = sinks();
      String path = setting.apply(AUDIT_PATH);
      if (sinks.contains("jsonl") && path != null && !path.isBlank()) {
        try (JsonLinesSink file = new JsonLinesSink(Paths.get(path))) {
          file.accept(event);
        }
      }
      if (sinks.contains("log")) {
        new LogSink().accept(event);
      }
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.debug("spark-checkpoint-plus could not record its hook status", t);
    }
  }

  /** {@code spark.checkpointplus.audit.sinks}, with the default of the configuration. */
  private Set<String> sinks() {
    String value = setting.apply(AUDIT_SINKS);
    return Arrays.stream((value != null ? value : DEFAULT_SINKS).split(","))
        .map(s -> s.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
  }
}
