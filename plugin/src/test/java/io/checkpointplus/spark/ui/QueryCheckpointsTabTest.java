package io.checkpointplus.spark.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import io.checkpointplus.spark.structured.StatefulQuery;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The Structured Streaming section of the tab on a real query, live on {@code local[2]} and
 * replayed from its event log as the History Server does: three runs of one stateful query on
 * one location (five batches, a restart that resumes at batch 3, then a restart that finds the
 * newest offset file damaged and fails). Every figure is checked against the location on disk
 * or the query's own output, not against the events the tab read.
 */
class QueryCheckpointsTabTest extends WithLocalSpark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NAME = "<b>clicks</b>";
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(sc.uiWebUrl().get() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode json(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }

  @Test
  void queriesRunsBatchesAndDamageLiveAndReplayed() throws Exception {
    Path events = Files.createDirectories(tmp.resolve("events"));
    Path input = tmp.resolve("in");
    Path location = tmp.resolve("query");
    Map<String, String> settings = new LinkedHashMap<>(StatefulQuery.settings());
    settings.putAll(Map.of("spark.ui.enabled", "true", "spark.ui.port", "0",
        "spark.eventLog.enabled", "true", "spark.eventLog.dir", events.toUri().toString(),
        "spark.eventLog.compress", "false", "spark.eventLog.rolling.enabled", "false",
        // Spark's log purge keeps 2 batches: older offset and commit files are deleted.
        "spark.sql.streaming.minBatchesToRetain", "2"));
    sc = LocalSpark.withPlugin(audit(), settings);
    String[][] files = {{"a", "b"}, {"b", "c"}, {"c", "d"}, {"d", "e", "f"}, {"a", "g"}};
    for (int i = 0; i < 3; i++) {
      StatefulQuery.addInput(input, "f" + i, files[i]);
    }
    assertEquals(3, StatefulQuery.runNamed(sc, input, location, NAME).size());
    for (int i = 3; i < 5; i++) {
      StatefulQuery.addInput(input, "f" + i, files[i]);
    }
    assertEquals(2, StatefulQuery.runNamed(sc, input, location, NAME).size());
    // The newest offset file, changed after its commit: the third run refuses it.
    Path offsets4 = location.resolve("offsets").resolve("4");
    String text = Files.readString(offsets4);
    Files.writeString(offsets4, text.replace("\"batchWatermarkMs\":0", "\"batchWatermarkMs\":9"));
    assertTrue(!Files.readString(offsets4).equals(text), "the offset file was changed");
    StatefulQuery.addInput(input, "f5", "h");
    assertThrows(Exception.class, () -> StatefulQuery.runNamed(sc, input, location, NAME));
    sc.listenerBus().waitUntilEmpty();

    String queryId = JSON.readTree(location.resolve("metadata").toFile()).get("id").asText();
    Map<String, JsonNode> live = new LinkedHashMap<>();
    List<String> api = List.of("queries", "queries/" + queryId,
        "queries/" + queryId + "/batches?pageSize=1000", "queries/" + queryId
            + "/batches?pageSize=2&page=2");
    for (String path : api) {
      live.put(path, json("/checkpoints/api/" + path));
    }

    JsonNode list = live.get("queries");
    assertEquals(1, list.get("total").asInt(), list.toString());
    JsonNode q = live.get("queries/" + queryId);
    assertEquals(queryId, q.get("id").asText());
    assertEquals(NAME, q.get("name").asText());
    assertEquals(location.toUri().getPath().replaceAll("/$", ""),
        URI.create(q.get("location").asText()).getPath().replaceAll("/$", ""));
    assertEquals(QueryRow.FAILED, q.get("status").asText(), q.toString());
    JsonNode runs = q.get("runs");
    assertEquals(3, runs.size(), runs.toString());
    assertFalse(runs.get(0).has("resumedAtBatch"), "the first run started afresh: " + runs);
    assertEquals(3, runs.get(1).get("resumedAtBatch").asLong(), runs.toString());
    assertEquals(List.of(0L, 2L, 3L, 4L), List.of(runs.get(0).get("firstBatch").asLong(),
        runs.get(0).get("lastBatch").asLong(), runs.get(1).get("firstBatch").asLong(),
        runs.get(1).get("lastBatch").asLong()));
    assertTrue(runs.get(2).get("exception").asText().contains("offsets/4"), runs.toString());
    assertEquals(q.get("latestRunId").asText(), runs.get(2).get("runId").asText());
    assertEquals(1, q.get("damagedFiles").asInt(), q.toString());
    assertTrue(q.get("problems").get(0).get("file").asText().endsWith("offsets/4"));

    // Batches 4 to 0, newest first, each with its offset and commit file as on disk.
    JsonNode batches = live.get("queries/" + queryId + "/batches?pageSize=1000");
    List<Long> ids = new ArrayList<>();
    batches.get("rows").forEach(b -> ids.add(b.get("batchId").asLong()));
    assertEquals(List.of(4L, 3L, 2L, 1L, 0L), ids);
    long recordedFiles = 0;
    for (JsonNode b : batches.get("rows")) {
      long id = b.get("batchId").asLong();
      assertTrue(b.get("committed").asBoolean(), b.toString());
      List<String> names = new ArrayList<>();
      b.get("checkpointFiles").forEach(f -> names.add(f.get("file").asText()));
      assertEquals(List.of("offsets/" + id, "commits/" + id), names, b.toString());
      recordedFiles += names.size();
      Path commit = location.resolve("commits").resolve(String.valueOf(id));
      if (Files.exists(commit)) {
        assertEquals(Files.size(commit), b.get("checkpointFiles").get(1).get("bytes").asLong());
      }
      assertEquals(id == 3, b.path("resumed").asBoolean(false), b.toString());
      JsonNode op = b.get("stateOperators").get(0);
      assertEquals(2, op.get("partitions").asInt(), b.toString());
    }
    // The state after batch 4 holds every word of files 0 to 4.
    Set<String> words = new TreeSet<>();
    for (int i = 0; i < 5; i++) {
      words.addAll(List.of(files[i]));
    }
    assertEquals(words.size(), batches.get("rows").get(0).get("stateRows").asInt());
    // What Spark's purge deleted is what is missing from the location.
    long onDisk = 0;
    for (String dir : List.of("offsets", "commits")) {
      try (Stream<Path> f = Files.list(location.resolve(dir))) {
        onDisk += f.filter(p -> p.getFileName().toString().matches("[0-9]+")).count();
      }
    }
    assertEquals(recordedFiles - onDisk, q.get("purgedFiles").asLong(), q.toString());
    assertTrue(q.get("purgedFiles").asLong() > 0, "the purge deleted files: " + q);
    JsonNode second = live.get("queries/" + queryId + "/batches?pageSize=2&page=2");
    assertEquals(5, second.get("total").asInt());
    assertEquals(2, second.get("rows").get(0).get("batchId").asInt(), "page 2 starts at 2");

    // The pages: the name escaped, every run linked to Spark's own Structured Streaming tab.
    String overview = get("/checkpoints/").body();
    assertTrue(overview.contains("id=\"query-list\"") && overview.contains("query?id=" + queryId),
        overview);
    String page = get("/checkpoints/query?id=" + queryId).body();
    assertFalse(page.contains(NAME), "the name is escaped");
    assertTrue(page.contains("&lt;b&gt;clicks&lt;/b&gt;"), page);
    for (JsonNode run : runs) {
      assertTrue(page.contains("../StreamingQuery/statistics?id=" + run.get("runId").asText()));
    }
    // The link as the browser follows it, from the query page (Spark adds the slash).
    String runId = runs.get(1).get("runId").asText();
    HttpResponse<String> sparkTab = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL).build().send(HttpRequest.newBuilder(
            URI.create(sc.uiWebUrl().get() + "/checkpoints/query").resolve(
                "../StreamingQuery/statistics?id=" + runId)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, sparkTab.statusCode(), "Spark's own page for the run");
    assertTrue(sparkTab.body().contains(runId), "Spark's page of run " + runId);
    assertEquals(400, get("/checkpoints/api/queries/not-a-uuid").statusCode());
    assertEquals(404, get("/checkpoints/api/queries/" + java.util.UUID.randomUUID()).statusCode());

    String appId = sc.applicationId();
    LocalSpark.stop(sc);
    sc = null;
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    assertTrue(Files.list(events).anyMatch(f -> {
      try {
        return Files.readString(f).contains("QueryProgressEvent");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }), "Spark logged the query's progress");
    CheckpointsHttp replayed = new CheckpointsHttp(
        new CheckpointsQueries(EventLogReplay.replay(events, appId)), null);
    for (String path : api) {
      String[] parts = path.split("\\?");
      Map<String, String> params = new LinkedHashMap<>();
      if (parts.length > 1) {
        for (String kv : parts[1].split("&")) {
          params.put(kv.split("=")[0], kv.split("=")[1]);
        }
      }
      UiResponse answer = replayed.handle(new UiRequest("/api/" + parts[0], params, null));
      assertEquals(200, answer.status, path + ": " + answer.body);
      assertEquals(live.get(path), JSON.readTree(answer.body), path);
    }
  }
}
