package io.checkpointplus.spark.audit;

import org.apache.spark.scheduler.LiveListenerBus;

/**
 * Posts each event to Spark's listener bus, and so to the event log and the History Server.
 * {@code LiveListenerBus.post} only enqueues (and drops when Spark's own queue is full), so this
 * sink is registered with {@link AuditLog#addImmediateSink} and runs on the recording thread.
 */
public final class EventLogSink implements AuditSink {
  private final LiveListenerBus bus;

  public EventLogSink(LiveListenerBus bus) {
    this.bus = bus;
  }

  @Override
  public void accept(AuditEvent event) {
    bus.post(new CheckpointPlusListenerEvent(event.fields()));
  }

  @Override
  public String toString() {
    return "eventlog";
  }
}
