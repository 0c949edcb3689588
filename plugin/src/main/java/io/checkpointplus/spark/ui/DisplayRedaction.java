package io.checkpointplus.spark.ui;

import io.checkpointplus.spark.config.Redaction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/**
 * Spark's redaction applied to every text the tab shows, pages and JSON alike, with the
 * configuration of the UI that shows it: the application's live, the History Server's own in
 * the History Server (the events hold what the application recorded). A value is replaced
 * whole when {@code spark.redaction.regex} matches its field name or the value ({@link
 * Redaction}, as Spark's Environment page treats settings); matches of
 * {@code spark.redaction.string.regex} are replaced within it; and the credentials of a URL
 * ({@code s3a://KEY:SECRET@bucket/}, {@code https://user:password@host/}) are replaced in any
 * value, since no regex over words catches an access key.
 */
final class DisplayRedaction {
  private static final Pattern URL_CREDENTIALS =
      Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/\\s@]+@");
  private static final String URL_REPLACEMENT = "$1"
      + java.util.regex.Matcher.quoteReplacement(Redaction.REPLACEMENT) + "@";

  private final Redaction values;
  /** {@code spark.redaction.string.regex}, or {@code null}: Spark sets none by default. */
  private final Pattern strings;

  private DisplayRedaction(Redaction values, Pattern strings) {
    this.values = values;
    this.strings = strings;
  }

  static DisplayRedaction from(SparkConf conf) {
    Pattern strings = null;
    String regex = conf.get("spark.redaction.string.regex", "");
    if (!regex.isEmpty()) {
      try {
        strings = Pattern.compile(regex);
      } catch (RuntimeException e) {
        strings = Pattern.compile(".+", Pattern.DOTALL); // as Redaction: nothing rather than a secret
      }
    }
    return new DisplayRedaction(Redaction.from(conf), strings);
  }

  /** {@code value}, shown under {@code field}, redacted; {@code null} stays {@code null}. */
  String text(String field, String value) {
    if (value == null) {
      return null;
    }
    String v = values.apply(Collections.singletonMap(field, value)).get(field);
    v = URL_CREDENTIALS.matcher(v).replaceAll(URL_REPLACEMENT);
    return strings == null ? v : strings.matcher(v).replaceAll(
        java.util.regex.Matcher.quoteReplacement(Redaction.REPLACEMENT));
  }

  /** Every text in {@code value} (maps, lists, strings) redacted; numbers and flags as they are. */
  @SuppressWarnings("unchecked")
  Object any(String field, Object value) {
    if (value instanceof String) {
      return text(field, (String) value);
    }
    if (value instanceof Map) {
      Map<String, Object> out = new LinkedHashMap<>();
      ((Map<String, Object>) value).forEach((k, v) -> out.put(k, any(k, v)));
      return out;
    }
    if (value instanceof List) {
      List<Object> out = new ArrayList<>();
      ((List<Object>) value).forEach(v -> out.add(any(field, v)));
      return out;
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  private <T> List<T> list(String field, List<T> value) {
    return value == null ? null : (List<T>) any(field, value);
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * A copy of a row of the status store ({@link QueryRow}, {@link QueryBatchRow}) with every
   * text in it redacted, each under its field's name.
   */
  @SuppressWarnings("unchecked")
  <T> T copy(T row) {
    if (row == null) {
      return null;
    }
    Map<String, Object> fields = JSON.convertValue(row, Map.class);
    return (T) JSON.convertValue(any("", fields), row.getClass());
  }

  /** A copy of {@code row} with every text it shows redacted. */
  CheckpointRow row(CheckpointRow row) {
    if (row == null) {
      return null;
    }
    CheckpointRow r = row.copy();
    r.name = text("name", r.name);
    r.callSite = text("callSite", r.callSite);
    r.dir = text("dir", r.dir);
    r.cause = text("cause", r.cause);
    r.leftOnDisk = list("leftOnDisk", r.leftOnDisk);
    r.partitionFiles = list("partitionFiles", r.partitionFiles);
    r.ancestorDecisions = list("ancestorDecisions", r.ancestorDecisions);
    r.cleaned = list("cleaned", r.cleaned);
    return r;
  }

  /** A copy of {@code s} with every text it shows redacted, the recorded settings included. */
  @SuppressWarnings("unchecked")
  CheckpointsSummary summary(CheckpointsSummary s) {
    CheckpointsSummary c = s.copy();
    c.latestCompleted = row(s.latestCompleted);
    c.latestFailed = row(s.latestFailed);
    c.latestUnverified = s.latestUnverified == null ? null
        : (Map<String, Object>) any("latestUnverified", s.latestUnverified);
    c.hookReason = text("hookReason", s.hookReason);
    c.configuration = s.configuration == null ? null
        : (Map<String, Object>) any("configuration", s.configuration);
    return c;
  }
}
