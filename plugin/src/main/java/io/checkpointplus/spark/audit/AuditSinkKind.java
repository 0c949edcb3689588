package io.checkpointplus.spark.audit;

import io.checkpointplus.spark.config.ConfigEntry;
import java.util.Locale;

/** The sinks {@code spark.checkpointplus.audit.sinks} can name. */
public enum AuditSinkKind implements ConfigEntry.Named {
  /** Spark's listener bus: the event log and the History Server. */
  EVENTLOG,
  /** The JSON Lines file at {@code spark.checkpointplus.audit.path}. */
  JSONL,
  /** One log line per event. */
  LOG,
  /** Counters and histograms in Spark's metrics system. */
  METRICS;

  @Override
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
