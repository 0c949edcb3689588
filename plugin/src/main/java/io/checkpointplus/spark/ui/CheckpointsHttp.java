package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ui.SparkUITab;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every request below {@code /checkpoints/}: the pages ({@code /}, {@code /details?id=},
 * {@code /config}, {@code /query?id=}) and the JSON API ({@code /api/overview},
 * {@code /api/history}, {@code /api/details/<id>}, {@code /api/config}, {@code /api/queries},
 * {@code /api/queries/<id>}, {@code /api/queries/<id>/batches}). Free of servlet types: the adapters in
 * {@code ui.servlet} translate.
 */
public final class CheckpointsHttp {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointsHttp.class);
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);
  static final int PAGE_SIZE = 100;
  /** The methods the tab answers; every other one is refused with 405 and this list. */
  public static final String ALLOWED_METHODS = "GET, HEAD";

  private final CheckpointsQueries queries;
  private final SparkUITab tab;

  public CheckpointsHttp(CheckpointsQueries queries, SparkUITab tab) {
    this.queries = queries;
    this.tab = tab;
  }

  /** Whether the tab answers {@code method}: GET and HEAD only, as Spark's own pages. */
  public static boolean allows(String method) {
    return "GET".equals(method) || "HEAD".equals(method);
  }

  public UiResponse handle(UiRequest request) {
    try {
      return route(request);
    } catch (IllegalArgumentException bad) {
      return request.path.startsWith("/api/") ? error(400, bad.getMessage())
          : UiResponse.html(400, SparkPageFrame.render(request.servletRequest, "Checkpoints",
              "<p class=\"checkpoint-error\">" + Html.escape(bad.getMessage()) + "</p>", tab));
    } catch (RuntimeException | JsonProcessingException e) {
      // The log has the cause; the answer does not (it may name paths or internals).
      LOG.warn("Checkpoints tab failed to answer {}", request.path, e);
      return error(500, "The Checkpoints tab could not answer; the Spark log has the cause.");
    }
  }

  private UiResponse route(UiRequest r) throws JsonProcessingException {
    String path = r.path;
    switch (path) {
      case "/api/overview":
        return json(queries.overview());
      case "/api/history":
        return json(history(r));
      case "/api/config":
        return json(queries.configuration());
      case "/":
        return page(r, "Checkpoints", CheckpointsPages.overview(queries, history(r),
            queries.queries(r.intParam("queryPage", 1), PAGE_SIZE)));
      case "/api/queries":
        return json(queries.queries(r.intParam("page", 1), r.intParam("pageSize", PAGE_SIZE)));
      case "/query": {
        String id = UiRequest.queryId("id", r.params.get("id"));
        Optional<QueryRow> q = queries.query(id);
        return q.isPresent()
            ? page(r, "Query " + (q.get().name == null ? id : q.get().name),
                QueryPages.query(q.get(), queryBatches(r, id)))
            : UiResponse.html(404, SparkPageFrame.render(r.servletRequest, "Checkpoints",
                "<p>No retained query " + Html.escape(id) + " (the least recently active are"
                    + " dropped past spark.checkpointplus.ui.retainedQueries).</p>", tab));
      }
      case "/details/":
      case "/config/":
      case "/query/":
        // Relative links (details?id=, ../jobs/) resolve against the page's URL: without
        // the slash they hold.
        return UiResponse.redirect(".." + path.substring(0, path.length() - 1) + query(r));
      case "/details": {
        long id = UiRequest.checkpointId("id", r.params.get("id"));
        Optional<CheckpointRow> row = queries.checkpoint(id);
        return row.isPresent()
            ? page(r, "Checkpoint #" + id, CheckpointsPages.details(row.get()))
            : UiResponse.html(404, SparkPageFrame.render(r.servletRequest, "Checkpoints",
                "<p>No retained checkpoint #" + id + " (older ones are dropped past"
                    + " spark.checkpointplus.ui.retainedCheckpoints).</p>", tab));
      }
      case "/config":
        return page(r, "Checkpoints configuration",
            CheckpointsPages.configuration(queries.configuration()));
      default:
        if (path.startsWith("/api/queries/")) {
          return queryApi(r, path.substring("/api/queries/".length()));
        }
        if (path.startsWith("/api/details/")) {
          String id = path.substring("/api/details/".length());
          Optional<CheckpointRow> row = queries.checkpoint(UiRequest.checkpointId("id", id));
          return row.isPresent() ? json(row.get())
              : error(404, "No retained checkpoint " + id);
        }
        return path.startsWith("/api/") ? error(404, "No such API: " + path)
            : UiResponse.html(404, SparkPageFrame.render(r.servletRequest, "Checkpoints",
                "<p>No such page.</p>", tab));
    }
  }

  /** {@code /api/queries/<id>} and {@code /api/queries/<id>/batches}. */
  private UiResponse queryApi(UiRequest r, String rest) throws JsonProcessingException {
    boolean batches = rest.endsWith("/batches");
    String id = UiRequest.queryId("id", batches
        ? rest.substring(0, rest.length() - "/batches".length()) : rest);
    Optional<QueryRow> q = queries.query(id);
    if (q.isEmpty()) {
      return error(404, "No retained query " + id);
    }
    return batches ? json(queryBatches(r, id)) : json(q.get());
  }

  private CheckpointsQueries.Page<QueryBatchRow> queryBatches(UiRequest r, String id) {
    return queries.queryBatches(id, r.intParam("page", 1), r.intParam("pageSize", PAGE_SIZE));
  }

  private static String query(UiRequest r) {
    StringBuilder q = new StringBuilder();
    r.params.forEach((k, v) -> q.append(q.length() == 0 ? '?' : '&')
        .append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
        .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return q.toString();
  }

  private CheckpointsQueries.HistoryPage history(UiRequest r) {
    return queries.history(r.param("sort", "id"), r.booleanParam("desc", false),
        r.intParam("page", 1), r.intParam("pageSize", PAGE_SIZE));
  }

  private UiResponse page(UiRequest r, String title, String content) {
    return UiResponse.html(200, SparkPageFrame.render(r.servletRequest, title, content, tab));
  }

  private static UiResponse json(Object value) throws JsonProcessingException {
    return UiResponse.json(200, JSON.writeValueAsString(value));
  }

  private static UiResponse error(int status, String message) {
    try {
      return UiResponse.json(status, JSON.writeValueAsString(Map.of("error", message)));
    } catch (JsonProcessingException e) {
      return UiResponse.json(status, "{}");
    }
  }
}
