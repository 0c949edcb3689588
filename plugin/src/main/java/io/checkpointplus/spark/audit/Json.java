package io.checkpointplus.spark.audit;

import java.util.Collection;
import java.util.Map;

/**
 * The few lines of JSON encoding audit events need: objects, arrays, strings, numbers and
 * booleans. Kept here rather than shading a JSON library into the plugin jar.
 */
final class Json {
  private Json() {
  }

  static String object(Map<String, ?> fields) {
    StringBuilder out = new StringBuilder(256);
    writeObject(out, fields);
    return out.toString();
  }

  private static void writeObject(StringBuilder out, Map<?, ?> fields) {
    out.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : fields.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      writeString(out, String.valueOf(e.getKey()));
      out.append(':');
      writeValue(out, e.getValue());
    }
    out.append('}');
  }

  private static void writeValue(StringBuilder out, Object v) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
      out.append(v);
    } else if (v instanceof Number) {
      double d = ((Number) v).doubleValue();
      out.append(Double.isFinite(d) ? String.valueOf(d) : "null");
    } else if (v instanceof Map) {
      writeObject(out, (Map<?, ?>) v);
    } else if (v instanceof Collection) {
      out.append('[');
      boolean first = true;
      for (Object item : (Collection<?>) v) {
        if (!first) {
          out.append(',');
        }
        first = false;
        writeValue(out, item);
      }
      out.append(']');
    } else {
      writeString(out, v.toString());
    }
  }

  private static void writeString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
