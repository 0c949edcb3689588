package io.checkpointplus.spark.audit;

import org.apache.spark.scheduler.LiveListenerBus;

/** Posts each event to Spark's listener bus, and so to the event log and the History Server. */
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
