package io.checkpointplus.spark.audit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One fact about checkpointing: a checkpoint started, completed or failed, an ancestor decision,
 * a clean-up, or the state of the plugin's hook. Fields keep their insertion order so that the
 * JSON Lines output reads well; {@link #SCHEMA_VERSION} changes whenever a field changes meaning.
 */
public final class AuditEvent {
  /** Version of the event schema, written into every event. */
  public static final int SCHEMA_VERSION = 1;

  /** The kinds of event. */
  public enum Type {
    CHECKPOINT_STARTED("checkpoint.started"),
    CHECKPOINT_COMPLETED("checkpoint.completed"),
    CHECKPOINT_FAILED("checkpoint.failed"),
    CHECKPOINT_ANCESTOR("checkpoint.ancestor"),
    CHECKPOINT_CLEANED("checkpoint.cleaned"),
    CHECKPOINT_TRUNCATED("checkpoint.truncated"),
    CHECKPOINT_METADATA("checkpoint.metadata"),
    CHECKPOINT_VERIFIED("checkpoint.verified"),
    CHECKPOINT_UNVERIFIED("checkpoint.unverified"),
    HOOK_STATUS("hook.status"),
    STREAMING_BATCH_COMMITTED("streaming.batch.committed"),
    STREAMING_QUERY_RESUMED("streaming.query.resumed"),
    STREAMING_FILE_DAMAGED("streaming.file.damaged"),
    STREAMING_FILE_UNVERIFIED("streaming.file.unverified"),
    STREAMING_FILE_PURGED("streaming.file.purged"),
    STREAMING_UNPROTECTED("streaming.unprotected");

    private final String wireName;

    Type(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  private final Type type;
  private final Map<String, Object> fields;

  private AuditEvent(Type type, Map<String, Object> fields) {
    this.type = type;
    this.fields = Collections.unmodifiableMap(fields);
  }

  /** Starts an event with the fields every event carries. */
  public static Builder of(Type type, String appId) {
    return new Builder(type, appId);
  }

  public Type type() {
    return type;
  }

  /** All fields, including {@code schemaVersion}, {@code type}, {@code time} and {@code appId}. */
  public Map<String, Object> fields() {
    return fields;
  }

  public Object get(String field) {
    return fields.get(field);
  }

  /** The event as one line of JSON, without the line break. */
  public String toJson() {
    return Json.object(fields);
  }

  @Override
  public String toString() {
    return toJson();
  }

  /** Collects the fields of one event. */
  public static final class Builder {
    private final Type type;
    private final Map<String, Object> fields = new LinkedHashMap<>();

    private Builder(Type type, String appId) {
      this.type = type;
      fields.put("schemaVersion", SCHEMA_VERSION);
      fields.put("type", type.wireName());
      fields.put("time", System.currentTimeMillis());
      fields.put("appId", appId);
    }

    /** Adds a field; a {@code null} value is left out. */
    public Builder with(String field, Object value) {
      if (value != null) {
        fields.put(field, value);
      }
      return this;
    }

    public AuditEvent build() {
      return new AuditEvent(type, new LinkedHashMap<>(fields));
    }
  }
}
