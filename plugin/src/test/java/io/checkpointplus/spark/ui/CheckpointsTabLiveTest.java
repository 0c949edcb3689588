package io.checkpointplus.spark.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The tab and its JSON API in the live UI of an application on {@code local[2]}: they answer
 * while it runs, inside Spark's page frame, with application values escaped, linked to the
 * checkpoint's job; switched off, there is no tab.
 */
class CheckpointsTabLiveTest extends WithLocalSpark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EVIL = "<script>alert(1)</script>";
  private final HttpClient http = HttpClient.newHttpClient();

  private String ui() {
    return sc.uiWebUrl().get();
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(ui() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode json(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = get(path);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    return JSON.readTree(r.body());
  }

  private int checkpointOne() throws java.util.concurrent.TimeoutException {
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3, 4, 5), 2)
        .map(x -> x * 10).setName(EVIL);
    // Deserialized: its records are counted (byte-copied partitions of a serialized block are not).
    rdd.persist(org.apache.spark.storage.StorageLevel.MEMORY_ONLY());
    rdd.checkpoint();
    rdd.count();
    sc.listenerBus().waitUntilEmpty();
    return rdd.id();
  }

  @Test
  void tabAndApiAnswerWhileTheApplicationRuns() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.ui.enabled", "true", "spark.ui.port", "0"));
    int rddId = checkpointOne();

    JsonNode overview = json("/checkpoints/api/overview");
    assertEquals(1, overview.at("/counts/completed").asInt(), overview.toString());
    assertEquals(1, overview.at("/counts/started").asInt());
    assertEquals("installed", overview.at("/hook/status").asText());
    assertEquals(rddId, overview.at("/latestCompleted/rddId").asInt());
    assertEquals(5, overview.at("/totals/records").asInt());
    assertEquals(1, overview.at("/statistics/durationMs/count").asInt());

    JsonNode history = json("/checkpoints/api/history");
    assertEquals(1, history.get("total").asInt());
    JsonNode row = history.get("rows").get(0);
    assertEquals(EVIL, row.get("name").asText());
    assertEquals(2, row.get("partitions").asInt());
    assertEquals(1, row.get("jobIds").size(), "the checkpoint's write job: " + row);
    int jobId = row.get("jobIds").get(0).asInt();

    JsonNode details = json("/checkpoints/api/details/1");
    assertEquals(rddId, details.get("rddId").asInt());
    assertEquals(404, get("/checkpoints/api/details/99").statusCode());
    assertEquals(400, get("/checkpoints/api/history?sort=nope").statusCode());
    assertEquals("true", json("/checkpoints/api/config").get("spark.checkpointplus.enabled")
        .asText());

    HttpResponse<String> page = get("/checkpoints/");
    assertEquals(200, page.statusCode());
    // Spark's security filter (the one that checks view ACLs) answers for the tab as for its own.
    HttpResponse<String> jobsPage = get("/jobs/");
    for (String header : List.of("X-Frame-Options", "X-Content-Type-Options")) {
      assertTrue(jobsPage.headers().firstValue(header).isPresent(), header);
      assertEquals(jobsPage.headers().firstValue(header), page.headers().firstValue(header));
    }
    String html = page.body();
    assertTrue(html.contains("/static/bootstrap") || html.contains("/static/"),
        "Spark's CSS from /static/");
    assertTrue(html.contains("href=\"/jobs/\""), "Spark's navigation bar");
    assertTrue(html.contains("href=\"/checkpoints/\""), "our tab in the navigation bar");
    assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assertFalse(html.contains(EVIL), "the RDD name is shown as text");
    assertTrue(html.contains("href=\"../jobs/job/?id=" + jobId + "\""), "linked to its job");
    assertTrue(html.contains("id=\"checkpoint-duration-chart\""));

    // With a trailing slash the relative links (details?id=, ../jobs/) would resolve one level
    // too deep: the page redirects to the one without it.
    HttpResponse<String> slash = get("/checkpoints/details/?id=1");
    assertEquals(302, slash.statusCode());
    assertEquals(ui() + "/checkpoints/details?id=1",
        URI.create(ui() + "/checkpoints/details/").resolve(
            slash.headers().firstValue("Location").orElseThrow()).toString());
    assertEquals(302, get("/checkpoints/config/").statusCode());

    HttpResponse<String> detailsPage = get("/checkpoints/details?id=1");
    assertEquals(200, detailsPage.statusCode());
    assertFalse(detailsPage.body().contains(EVIL));
    assertEquals(200, get("/checkpoints/config").statusCode());
    // The job the link points at exists in Spark's own UI.
    assertEquals(200, get("/jobs/job/?id=" + jobId).statusCode());
  }

  /**
   * Only GET and HEAD: HttpServlet's default TRACE would echo the request, cookies and
   * Authorization included (Spark's own pages answer 405), and no other method means anything.
   */
  @Test
  void everyMethodButGetAndHeadIsRefusedWith405() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.ui.enabled", "true", "spark.ui.port", "0"));
    checkpointOne();
    String secret = "Basic c2VjcmV0OnBhc3N3b3Jk";
    for (String path : List.of("/checkpoints/", "/checkpoints/details?id=1", "/checkpoints/config",
        "/checkpoints/api/overview", "/checkpoints/api/history", "/checkpoints/api/details/1",
        "/checkpoints/nope")) {
      for (String method : List.of("TRACE", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ui() + path))
            .method(method, HttpRequest.BodyPublishers.ofString("x"))
            .header("Authorization", secret).header("Cookie", "session=cookie-secret").build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode(), method + " " + path + ": " + r.body());
        assertFalse(r.body().contains(secret) || r.body().contains("cookie-secret"),
            method + " " + path + " echoed the request: " + r.body());
        assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""), method + " " + path);
      }
      HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(ui() + path))
          .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(get(path).statusCode(), head.statusCode(), "HEAD " + path + " answers as GET");
    }
  }

  /**
   * Spark's redaction covers every value shown that can hold a secret, not only the settings:
   * credentials in a URL (an RDD named after {@code s3a://KEY:SECRET@bucket/...}, as
   * {@code textFile} names it) and values the application's {@code spark.redaction.regex}
   * matches (here its checkpoint directory), in the pages and the JSON alike.
   */
  @Test
  void theLiveTabRedactsWhatTheApplicationsRedactionRegexAndUrlCredentialsReveal() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.ui.enabled", "true", "spark.ui.port", "0",
        "spark.redaction.regex", "(?i)secret|password|token|hunter2"));
    sc.setCheckpointDir(tmp.resolve("cp-hunter2").toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3), 2)
        .map(x -> x + 1).setName("s3a://AKIAEXAMPLE:wJalrXUtnFEMIK7MDENG@bucket/in");
    rdd.checkpoint();
    rdd.count();
    sc.listenerBus().waitUntilEmpty();
    for (String path : List.of("/checkpoints/", "/checkpoints/details?id=1",
        "/checkpoints/api/history", "/checkpoints/api/details/1", "/checkpoints/api/overview")) {
      HttpResponse<String> r = get(path);
      assertEquals(200, r.statusCode(), path + ": " + r.body());
      assertFalse(r.body().contains("wJalrXUtnFEMIK7MDENG") || r.body().contains("AKIAEXAMPLE"),
          path + " shows the URL's credentials: " + r.body());
      assertFalse(r.body().contains("hunter2"), path + " shows what the regex matches: "
          + r.body());
      assertTrue(r.body().contains("*********(redacted)"), path + ": " + r.body());
    }
    assertTrue(json("/checkpoints/api/history").at("/rows/0/name").asText()
        .startsWith("s3a://*********(redacted)@bucket/in"), "the rest of the URL is shown");
  }

  /**
   * In the History Server, the server's own {@code spark.redaction.regex} applies (the
   * application's redaction ran when it recorded its settings, with the application's regex):
   * the tab set up as the History Server sets it up, on a UI whose configuration is the
   * server's, over a store the History Server's listener filled from the plugin's events.
   */
  @Test
  void theHistoryServersTabRedactsWithTheServersRedactionRegex() throws Exception {
    sc = LocalSpark.stock(Map.of("spark.ui.enabled", "true", "spark.ui.port", "0",
        "spark.redaction.regex", "(?i)hunter2"));
    // The replay's own tracking store over the UI's store, closed (flushed) after the replay.
    org.apache.spark.status.ElementTrackingStore replay =
        new org.apache.spark.status.ElementTrackingStore(sc.statusStore().store(), sc.conf());
    CheckpointsListener listener = CheckpointsUi.historyListener(sc.conf(), replay);
    Map<String, Object> started = new java.util.LinkedHashMap<>();
    started.put("type", "checkpoint.started");
    started.put("time", 1000L);
    started.put("rddId", 3);
    started.put("dir", "hdfs://nn/checkpoints/hunter2/rdd-3");
    started.put("name", "https://user:pa55word@example.com/data");
    Map<String, Object> failed = new java.util.LinkedHashMap<>(started);
    failed.put("type", "checkpoint.failed");
    failed.put("cause", "java.io.IOException: hunter2 refused");
    failed.put("leftOnDisk", List.of("hdfs://nn/checkpoints/hunter2/rdd-3/part-00000"));
    Map<String, Object> hook = new java.util.LinkedHashMap<>();
    hook.put("type", "hook.status");
    hook.put("time", 1L);
    hook.put("status", "installed");
    hook.put("configuration", Map.of("spark.checkpointplus.audit.path", "/logs/hunter2"));
    for (Map<String, Object> e : List.of(hook, started, failed)) {
      listener.onOtherEvent(new io.checkpointplus.spark.audit.CheckpointPlusListenerEvent(e));
    }
    replay.close(false);
    CheckpointsUi.setupHistoryUi(sc.ui().get());
    for (String path : List.of("/checkpoints/", "/checkpoints/details?id=1",
        "/checkpoints/config", "/checkpoints/api/history", "/checkpoints/api/details/1",
        "/checkpoints/api/overview", "/checkpoints/api/config")) {
      HttpResponse<String> r = get(path);
      assertEquals(200, r.statusCode(), path + ": " + r.body());
      assertFalse(r.body().contains("hunter2"), path + ": " + r.body());
      assertFalse(r.body().contains("pa55word"), path + ": " + r.body());
      assertTrue(r.body().contains("*********(redacted)"), path + ": " + r.body());
    }
  }

  /**
   * Query parameters are taken as sent: Spark's security filter hands servlets HTML-escaped
   * parameter values, which the tab then escaped again (a sort of {@code <b>} was shown as
   * {@code &amp;lt;b&amp;gt;}) and re-encoded into its redirects.
   */
  @Test
  void queryParametersAreEscapedOnceNotTwice() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.ui.enabled", "true", "spark.ui.port", "0"));
    checkpointOne();
    HttpResponse<String> api = get("/checkpoints/api/history?sort=%3Cb%3E%27x");
    assertEquals(400, api.statusCode());
    assertEquals("Unknown sort column '<b>'x'; allowed: " + String.join(", ",
        CheckpointsQueries.SORTS), JSON.readTree(api.body()).get("error").asText());
    HttpResponse<String> page = get("/checkpoints/?sort=%3Cb%3E");
    assertEquals(400, page.statusCode());
    assertTrue(page.body().contains("column &#39;&lt;b&gt;&#39;"), page.body());
    assertFalse(page.body().contains("&amp;lt;"), "escaped twice: " + page.body());
    HttpResponse<String> slash = get("/checkpoints/details/?id=1&note=a%26b%3Cc");
    assertEquals(302, slash.statusCode());
    assertEquals("../details?id=1&note=a%26b%3Cc", slash.headers().firstValue("Location")
        .map(l -> l.substring(l.indexOf("../"))).orElseThrow());
  }

  /** The History Server's set-up gives an application without the plugin's events no tab. */
  @Test
  void noTabForAnApplicationWithoutCheckpointEvents() throws Exception {
    sc = LocalSpark.stock(Map.of("spark.ui.enabled", "true", "spark.ui.port", "0"));
    CheckpointsUi.setupHistoryUi(sc.ui().get());
    HttpResponse<String> jobs = get("/jobs/");
    assertEquals(200, jobs.statusCode());
    assertFalse(jobs.body().contains("/checkpoints/"), "no tab in the navigation bar");
  }

  /** Without the eventlog audit sink the listener would get no event: no (empty) tab. */
  @Test
  void noTabWithoutTheEventlogAuditSink() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.ui.enabled", "true", "spark.ui.port", "0",
        "spark.checkpointplus.audit.sinks", "jsonl"));
    checkpointOne();
    HttpResponse<String> jobs = get("/jobs/");
    assertEquals(200, jobs.statusCode());
    assertFalse(jobs.body().contains("/checkpoints/"), "no tab in the navigation bar");
  }

  @Test
  void switchedOffThereIsNoTab() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.ui.enabled", "true", "spark.ui.port", "0",
        "spark.checkpointplus.ui.enabled", "false"));
    checkpointOne();
    HttpResponse<String> api = get("/checkpoints/api/overview");
    assertFalse(api.statusCode() == 200 && api.body().contains("counts"),
        "no API: " + api.statusCode());
    HttpResponse<String> jobs = get("/jobs/");
    assertEquals(200, jobs.statusCode());
    assertFalse(jobs.body().contains("/checkpoints/"), "no tab in the navigation bar");
  }
}
