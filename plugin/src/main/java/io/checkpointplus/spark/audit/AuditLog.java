package io.checkpointplus.spark.audit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every event to every sink. A sink that throws is reported once in the log and counted;
 * the failure never reaches the checkpoint or the job that produced the event.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  private final String appId;
  private final List<AuditSink> sinks = new CopyOnWriteArrayList<>();
  private final AtomicLong failedDeliveries = new AtomicLong();

  public AuditLog(String appId) {
    this.appId = appId;
  }

  public String appId() {
    return appId;
  }

  public AuditLog addSink(AuditSink sink) {
    sinks.add(sink);
    return this;
  }

  /** Starts an event of this application. */
  public AuditEvent.Builder event(AuditEvent.Type type) {
    return AuditEvent.of(type, appId);
  }

  public void record(AuditEvent event) {
    for (AuditSink sink : sinks) {
      try {
        sink.accept(event);
      } catch (Throwable t) {
        if (failedDeliveries.getAndIncrement() == 0) {
          LOG.warn("Audit sink {} failed; further failures are only counted", sink, t);
        }
      }
    }
  }

  /** How many deliveries to a sink have failed so far. */
  public long failedDeliveries() {
    return failedDeliveries.get();
  }

  @Override
  public void close() {
    for (AuditSink sink : sinks) {
      try {
        sink.close();
      } catch (Throwable t) {
        LOG.warn("Could not close audit sink {}", sink, t);
      }
    }
    sinks.clear();
  }
}
