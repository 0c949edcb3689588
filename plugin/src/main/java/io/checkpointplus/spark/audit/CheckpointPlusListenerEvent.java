package io.checkpointplus.spark.audit;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * An audit event as Spark's listener bus carries it. Spark's event log writes it with its own
 * JSON mapper as {@code {"Event":"<this class>","audit":{...}}}; the History Server and
 * {@code JsonProtocol.sparkEventFromJson} read it back when the plugin jar is on their class
 * path, and skip it otherwise.
 */
public final class CheckpointPlusListenerEvent implements SparkListenerEvent {
  private final Map<String, Object> audit;

  @JsonCreator
  public CheckpointPlusListenerEvent(@JsonProperty("audit") Map<String, Object> audit) {
    this.audit = audit;
  }

  /** The audit event's fields, as in the JSON Lines file. */
  @JsonProperty("audit")
  public Map<String, Object> audit() {
    return audit;
  }

  @Override
  public String toString() {
    return "CheckpointPlusListenerEvent" + audit;
  }
}
