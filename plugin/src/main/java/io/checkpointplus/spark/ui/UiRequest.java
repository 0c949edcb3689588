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
