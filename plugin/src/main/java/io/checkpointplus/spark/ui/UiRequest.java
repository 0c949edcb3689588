package io.checkpointplus.spark.ui;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request to the tab, free of any servlet API: the path below {@code /checkpoints}, the query
 * parameters, and the servlet container's own request object, which only Spark's page frame
 * (called reflectively by {@link SparkPageFrame}) looks at.
 */
public final class UiRequest {
  final String path;
  final Map<String, String> params;
  final Object servletRequest;

  /**
   * A request from the servlet's path and raw query string: Spark's security filter hands
   * servlets parameter values HTML-escaped (and without quotes or newlines), which the tab,
   * escaping what it shows itself, would escape twice. The first value of each name counts.
   */
  public static UiRequest fromQuery(String path, String rawQuery, Object servletRequest) {
    Map<String, String> params = new LinkedHashMap<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        params.putIfAbsent(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
      }
    }
    return new UiRequest(path, params, servletRequest);
  }

  /** Decoded; malformed escapes are kept as sent, for the parameter's check to refuse. */
  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException malformed) {
      return s;
    }
  }

  public UiRequest(String path, Map<String, String> params, Object servletRequest) {
    this.path = path == null || path.isEmpty() ? "/" : path;
    this.params = params;
    this.servletRequest = servletRequest;
  }

  String param(String name, String otherwise) {
    String v = params.get(name);
    return v == null || v.isEmpty() ? otherwise : v;
  }

  /** {@code true} or {@code false} (any case); anything else is the request's fault. */
  boolean booleanParam(String name, boolean otherwise) {
    String v = params.get(name);
    if (v == null || v.isEmpty()) {
      return otherwise;
    }
    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(v);
    }
    throw new IllegalArgumentException("Parameter " + name + "='" + v
        + "' must be true or false");
  }

  /** A checkpoint id, 1 or more: {@code text} as the request gave it. */
  static long checkpointId(String name, String text) {
    long id;
    try {
      id = text == null || text.isEmpty() ? 0 : Long.parseLong(text);
    } catch (NumberFormatException e) {
      id = 0;
    }
    if (id < 1) {
      throw new IllegalArgumentException("Parameter " + name + "='" + (text == null ? "" : text)
          + "' must be a checkpoint number, 1 or more");
    }
    return id;
  }

  private static final java.util.regex.Pattern UUID = java.util.regex.Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /** A query id (a UUID, as {@code StreamingQuery.id} gives it): {@code text} as sent. */
  static String queryId(String name, String text) {
    if (text == null || !UUID.matcher(text).matches()) {
      throw new IllegalArgumentException("Parameter " + name + "='" + (text == null ? "" : text)
          + "' must be a query id, a UUID such as 0b6b4d5e-7f3c-4c52-9a8e-6d0a2f4b1c3d");
    }
    return text.toLowerCase(java.util.Locale.ROOT);
  }

  int intParam(String name, int otherwise) {
    String v = params.get(name);
    if (v == null || v.isEmpty()) {
      return otherwise;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Parameter " + name + "='" + v
          + "' is not a whole number");
    }
  }
}
