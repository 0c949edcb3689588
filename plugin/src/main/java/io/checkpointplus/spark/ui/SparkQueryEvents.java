package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.sql.streaming.StreamingQueryListener;

/**
 * Spark's own Structured Streaming events, as the listener bus carries them live and the History
 * Server replays them, read into plain maps for {@link StreamingQueryTracker}. The only class of
 * the tab that links spark-sql: it is loaded when such an event arrives, so an application
 * without spark-sql never loads it. Everything read here exists from Spark 3.4 to 4.2; the
 * progress is read through its own JSON, whose fields every line shares.
 */
final class SparkQueryEvents {
  /** The name every Structured Streaming event class starts with. */
  static final String CLASS_PREFIX = "org.apache.spark.sql.streaming.StreamingQueryListener$";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

  private SparkQueryEvents() {
  }

  static boolean isQueryEvent(SparkListenerEvent event) {
    return event.getClass().getName().startsWith(CLASS_PREFIX);
  }

  /**
   * The event's fields with its {@code type} ({@code query.started}, {@code query.progress},
   * {@code query.terminated}); {@code null} for the others (an idle query's).
   */
  static Map<String, Object> read(SparkListenerEvent event) {
    Map<String, Object> e = new LinkedHashMap<>();
    if (event instanceof StreamingQueryListener.QueryStartedEvent started) {
      e.put("type", "query.started");
      e.put("id", String.valueOf(started.id()));
      e.put("runId", String.valueOf(started.runId()));
      e.put("name", started.name());
      e.put("timestamp", started.timestamp());
    } else if (event instanceof StreamingQueryListener.QueryProgressEvent progress) {
      try {
        e.putAll(JSON.readValue(progress.progress().json(), MAP));
      } catch (IOException unreadable) {
        throw new UncheckedIOException(unreadable);
      }
      e.put("type", "query.progress");
    } else if (event instanceof StreamingQueryListener.QueryTerminatedEvent terminated) {
      e.put("type", "query.terminated");
      e.put("id", String.valueOf(terminated.id()));
      e.put("runId", String.valueOf(terminated.runId()));
      e.put("exception", terminated.exception().isDefined() ? terminated.exception().get()
          : null);
    } else {
      return null;
    }
    return e;
  }
}
