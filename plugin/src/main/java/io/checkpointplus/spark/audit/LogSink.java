package io.checkpointplus.spark.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One concise log line per event, on the logger {@code io.checkpointplus.audit}. */
public final class LogSink implements AuditSink {
  private static final Logger LOG = LoggerFactory.getLogger("io.checkpointplus.audit");

  @Override
  public void accept(AuditEvent event) {
    if (event.type() == AuditEvent.Type.CHECKPOINT_FAILED) {
      LOG.warn("{}", event.toJson());
    } else {
      LOG.info("{}", event.toJson());
    }
  }
}
