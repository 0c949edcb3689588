package io.checkpointplus.spark.audit;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * Counts events in the plugin's metric registry, which Spark registers as the metrics source
 * {@code plugin.io.checkpointplus.spark.CheckpointPlusPlugin}: one counter per event type, bytes,
 * records and partitions (from cache, recomputed) of completed checkpoints, a histogram of
 * checkpoint durations, and the audit queue's drop count.
 */
public final class MetricsSink implements AuditSink {
  private final Map<AuditEvent.Type, Counter> byType = new EnumMap<>(AuditEvent.Type.class);
  private final Counter bytes;
  private final Counter records;
  private final Counter partitionsFromCache;
  private final Counter partitionsRecomputed;
  private final Histogram durationMs;

  public MetricsSink(MetricRegistry registry, AuditLog log) {
    for (AuditEvent.Type type : AuditEvent.Type.values()) {
      byType.put(type, registry.counter("events." + type.wireName()));
    }
    bytes = registry.counter("checkpoint.bytes");
    records = registry.counter("checkpoint.records");
    partitionsFromCache = registry.counter("checkpoint.partitionsFromCache");
    partitionsRecomputed = registry.counter("checkpoint.partitionsRecomputed");
    durationMs = registry.histogram("checkpoint.durationMs");
    registry.register("audit.dropped", (Gauge<Long>) log::dropped);
  }

  @Override
  public void accept(AuditEvent event) {
    byType.get(event.type()).inc();
    if (event.type() == AuditEvent.Type.CHECKPOINT_COMPLETED) {
      bytes.inc(number(event, "bytes"));
      records.inc(number(event, "records"));
      partitionsFromCache.inc(number(event, "partitionsFromCache"));
      partitionsRecomputed.inc(number(event, "partitionsRecomputed"));
      durationMs.update(number(event, "durationMs"));
    }
  }

  private static long number(AuditEvent event, String field) {
    Object v = event.get(field);
    return v instanceof Number n ? n.longValue() : 0L;
  }

  @Override
  public String toString() {
    return "metrics";
  }
}
