package io.checkpointplus.spark.ui.servlet;

import io.checkpointplus.spark.ui.CheckpointsHttp;
import io.checkpointplus.spark.ui.UiRequest;
import io.checkpointplus.spark.ui.UiResponse;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** The Checkpoints tab on the {@code jakarta.servlet} API. */
public final class JakartaCheckpointsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient CheckpointsHttp http;

  public JakartaCheckpointsServlet(CheckpointsHttp http) {
    this.http = http;
  }

  /** GET and HEAD only: HttpServlet's own TRACE would echo the request, credentials included. */
  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    if (!CheckpointsHttp.allows(request.getMethod())) {
      response.setHeader("Allow", CheckpointsHttp.ALLOWED_METHODS);
      response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
      return;
    }
    super.service(request, response);
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    // The raw query: Spark's security filter HTML-escapes what getParameter returns.
    UiResponse answer = http.handle(UiRequest.fromQuery(request.getPathInfo(),
        request.getQueryString(), request));
    response.setStatus(answer.status);
    response.setContentType(answer.contentType);
    response.setHeader("Cache-Control", "no-cache, no-store, must-revalidate");
    if (answer.location != null) {
      response.setHeader("Location", answer.location);
    }
    response.getWriter().print(answer.body);
  }
}
