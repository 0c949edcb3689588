package io.checkpointplus.spark.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.ReplayListenerBus;
import org.apache.spark.status.AppHistoryServerPlugin;
import org.apache.spark.util.kvstore.InMemoryStore;
import org.junit.jupiter.api.Test;

/**
 * What the History Server does with an event log written with the plugin, on every Spark line:
 * the {@code AppHistoryServerPlugin} found through {@code META-INF/services} gives the listener,
 * Spark's {@code ReplayListenerBus} replays the log into a fresh status store, and every JSON
 * answer equals what the live UI answered before the application stopped.
 */
class CheckpointsReplayTest extends WithLocalSpark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> API = List.of("overview", "history?pageSize=1000",
      "details/1", "details/2", "config");

  @Test
  void replayedEventLogAnswersAsTheLiveUi() throws Exception {
    Path events = Files.createDirectories(tmp.resolve("events"));
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.ui.enabled", "true", "spark.ui.port", "0",
        "spark.eventLog.enabled", "true", "spark.eventLog.dir", events.toUri().toString(),
        "spark.eventLog.compress", "false", "spark.eventLog.rolling.enabled", "false"));
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaRDD<Integer> parent = jsc.parallelize(List.of(1, 2, 3, 4, 5, 6), 3).map(x -> x + 1)
        .setName("parent <b>");
    parent.checkpoint();
    JavaRDD<Integer> child = parent.map(x -> x * 2).setName("child");
    child.checkpoint();
    child.count();
    sc.listenerBus().waitUntilEmpty();

    HttpClient http = HttpClient.newHttpClient();
    Map<String, JsonNode> live = new LinkedHashMap<>();
    for (String path : API) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          URI.create(sc.uiWebUrl().get() + "/checkpoints/api/" + path)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), path + ": " + r.body());
      live.put(path, JSON.readTree(r.body()));
    }
    assertEquals(2, live.get("overview").at("/counts/completed").asInt(), live.toString());
    String appId = sc.applicationId();
    LocalSpark.stop(sc);
    sc = null;

    InMemoryStore replayedStore = EventLogReplay.replay(events, appId);
    CheckpointsHttp replayed = new CheckpointsHttp(new CheckpointsQueries(replayedStore), null);
    for (String path : API) {
      String[] parts = path.split("\\?");
      Map<String, String> params = new LinkedHashMap<>();
      if (parts.length > 1) {
        String[] kv = parts[1].split("=");
        params.put(kv[0], kv[1]);
      }
      UiResponse answer = replayed.handle(new UiRequest("/api/" + parts[0], params, null));
      assertEquals(200, answer.status, path + ": " + answer.body);
      assertEquals(live.get(path), JSON.readTree(answer.body), path);
    }
  }
}
