package io.checkpointplus.spark.inspector;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns, for the human-readable output. */
final class Table {
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    rows.add(header);
  }

  Table row(Object... cells) {
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = cells[i] == null ? "-" : String.valueOf(cells[i]);
    }
    rows.add(r);
    return this;
  }

  int size() {
    return rows.size() - 1;
  }

  void appendTo(StringBuilder out, String indent) {
    int cols = 0;
    for (String[] r : rows) {
      cols = Math.max(cols, r.length);
    }
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder(indent);
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]);
        if (i < r.length - 1) {
          line.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }

  /** A byte count for people: 1234 B, 12.1 KiB, 3.4 MiB. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    double v = n;
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** An age for people: 42 s, 13 min, 5 h, 3 d. */
  static String age(long ms) {
    if (ms < 0) {
      return "-";
    }
    long s = ms / 1000;
    if (s < 120) {
      return s + " s";
    }
    if (s < 7200) {
      return s / 60 + " min";
    }
    if (s < 172_800) {
      return s / 3600 + " h";
    }
    return s / 86_400 + " d";
  }

  /** A duration in milliseconds as Spark prints it ({@code 1000 ms}). */
  static String ms(Long ms) {
    return ms == null ? "-" : ms + " ms";
  }
}
