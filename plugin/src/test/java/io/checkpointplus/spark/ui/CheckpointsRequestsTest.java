package io.checkpointplus.spark.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.util.kvstore.InMemoryStore;
import org.junit.jupiter.api.Test;

/**
 * What the tab makes of its query parameters and of the rows it links: stage links carry the
 * stage's own attempt, links are escaped once, {@code desc} is {@code true} or {@code false}
 * and nothing else, and a malformed checkpoint id is the request's fault (400), not a missing
 * checkpoint (404).
 */
class CheckpointsRequestsTest {
  private final ElementTrackingStore store = new ElementTrackingStore(new InMemoryStore(),
      new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "false"));
  private final CheckpointsHttp http = new CheckpointsHttp(new CheckpointsQueries(store), null);

  private void row(long id, List<Integer> stages, List<Integer> attempts) {
    CheckpointRow r = new CheckpointRow();
    r.id = id;
    r.rddId = (int) id + 10;
    r.status = CheckpointRow.COMPLETED;
    r.name = "rdd" + id;
    r.jobIds = List.of(7);
    r.stageIds = stages;
    r.stageAttempts = attempts;
    store.write(r);
  }

  private UiResponse get(String path, String... params) {
    Map<String, String> p = new HashMap<>();
    for (int i = 0; i < params.length; i += 2) {
      p.put(params[i], params[i + 1]);
    }
    return http.handle(new UiRequest(path, p, null));
  }

  @Test
  void stageLinksInTheHistoryTablePointAtTheStagesOwnAttempt() {
    row(1, List.of(3, 4), List.of(1, 0));
    String page = get("/").body;
    assertTrue(page.contains("href=\"../stages/stage/?id=3&amp;attempt=1\""), page);
    assertTrue(page.contains("href=\"../stages/stage/?id=4&amp;attempt=0\""), page);
    assertEquals(List.of(1, 0), new CheckpointsQueries(store).history("id", false, 1, 10)
        .rows.get(0).stageAttempts, "the API's history rows carry the attempts too");
  }

  @Test
  void pageLinksAreEscapedOnce() {
    for (long id = 1; id <= 3; id++) {
      row(id, List.of(1), List.of(0));
    }
    String page = get("/", "sort", "name", "desc", "true", "pageSize", "1", "page", "2").body;
    assertTrue(page.contains("href=\"?sort=name&amp;desc=true&amp;page=3&amp;pageSize=1#history\""),
        page);
    assertTrue(page.contains("href=\"?sort=name&amp;desc=true&amp;page=1&amp;pageSize=1#history\""),
        page);
    assertFalse(page.contains("&amp;amp;"), "escaped twice: " + page);
  }

  @Test
  void descIsTrueOrFalseAndAnythingElseIsA400NamingTheParameter() {
    row(1, List.of(1), List.of(0));
    row(2, List.of(1), List.of(0));
    assertEquals(200, get("/api/history", "desc", "false").status);
    UiResponse desc = get("/api/history", "desc", "TRUE");
    assertEquals(200, desc.status);
    assertTrue(desc.body.indexOf("\"id\" : 2") < desc.body.indexOf("\"id\" : 1"), desc.body);
    for (String path : List.of("/", "/api/history")) {
      UiResponse bad = get(path, "desc", "yes");
      assertEquals(400, bad.status, path + ": " + bad.body);
      assertTrue(bad.body.contains("desc") && bad.body.contains("true")
          && bad.body.contains("false"), bad.body);
    }
  }

  @Test
  void aMalformedCheckpointIdIsA400AndAnAbsentOneA404() {
    row(1, List.of(1), List.of(0));
    for (String id : new String[] {"", "abc", "0", "-3", "1.5", "99999999999999999999"}) {
      UiResponse page = get("/details", "id", id);
      assertEquals(400, page.status, "details?id=" + id + ": " + page.body);
      assertTrue(page.body.contains("id"), page.body);
      if (!id.isEmpty()) {
        assertEquals(400, get("/api/details/" + id).status, "api/details/" + id);
      }
    }
    assertEquals(400, get("/details").status, "details without an id");
    assertEquals(400, get("/api/details/").status);
    assertEquals(200, get("/details", "id", "1").status);
    assertEquals(404, get("/details", "id", "77").status);
    assertEquals(404, get("/api/details/77").status);
  }
}
