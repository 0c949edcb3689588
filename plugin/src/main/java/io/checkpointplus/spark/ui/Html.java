package io.checkpointplus.spark.ui;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Escaping and formatting for pages built as text. Every value that comes from the application
 * (RDD names, call sites, paths, exception messages, settings) goes through {@link #escape}:
 * an RDD named {@code <script>} shows as text.
 */
final class Html {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());

  private Html() {
  }

  /** {@code s} as HTML text or attribute value; {@code null} as an empty string. */
  static String escape(Object value) {
    if (value == null) {
      return "";
    }
    String s = String.valueOf(value);
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&': out.append("&amp;"); break;
        case '<': out.append("&lt;"); break;
        case '>': out.append("&gt;"); break;
        case '"': out.append("&quot;"); break;
        case '\'': out.append("&#39;"); break;
        default: out.append(c);
      }
    }
    return out.toString();
  }

  /** 1.5 KiB, 3.0 MiB... as Spark's pages show sizes. */
  static String bytes(Number n) {
    if (n == null) {
      return "";
    }
    double v = n.doubleValue();
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? String.format(Locale.ROOT, "%.0f B", v)
        : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** 850 ms, 2.3 s, 4.1 min, 1.2 h. */
  static String duration(Number ms) {
    if (ms == null) {
      return "";
    }
    double v = ms.doubleValue();
    if (v < 1000) {
      return String.format(Locale.ROOT, "%.0f ms", v);
    }
    if (v < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", v / 1000);
    }
    if (v < 3_600_000) {
      return String.format(Locale.ROOT, "%.1f min", v / 60_000);
    }
    return String.format(Locale.ROOT, "%.1f h", v / 3_600_000);
  }

  /** Local date and time as Spark's pages show it. */
  static String time(Number epochMs) {
    if (epochMs == null) {
      return "";
    }
    return TIME.format(Instant.ofEpochMilli(epochMs.longValue()));
  }

  static String number(Number n) {
    return n == null ? "" : String.format(Locale.ROOT, "%,d", n.longValue());
  }
}
