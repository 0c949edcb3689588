package io.checkpointplus.spark.ui;

/** What the servlet adapter writes back: a status, a content type and a body. */
public final class UiResponse {
  public final int status;
  public final String contentType;
  public final String body;
  /** For a redirect: the {@code Location}, relative to the request's URL; else {@code null}. */
  public final String location;

  UiResponse(int status, String contentType, String body) {
    this(status, contentType, body, null);
  }

  private UiResponse(int status, String contentType, String body, String location) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.location = location;
  }

  static UiResponse redirect(String location) {
    return new UiResponse(302, "text/plain;charset=utf-8", "", location);
  }

  static UiResponse html(int status, String body) {
    return new UiResponse(status, "text/html;charset=utf-8", body);
  }

  static UiResponse json(int status, String body) {
    return new UiResponse(status, "application/json;charset=utf-8", body);
  }
}
