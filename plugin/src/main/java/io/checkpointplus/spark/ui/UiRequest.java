package io.checkpointplus.spark.ui;

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
