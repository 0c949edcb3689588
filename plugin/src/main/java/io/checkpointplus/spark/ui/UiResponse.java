package io.checkpointplus.spark.ui;

/** What the servlet adapter writes back: a status, a content type and a body. */
public final class UiResponse {
  public final int status;
  public final String contentType;
  public final String body;

  UiResponse(int status, String contentType, String body) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
  }

  static UiResponse html(int status, String body) {
    return new UiResponse(status, "text/html;charset=utf-8", body);
  }

  static UiResponse json(int status, String body) {
    return new UiResponse(status, "application/json;charset=utf-8", body);
  }
}
