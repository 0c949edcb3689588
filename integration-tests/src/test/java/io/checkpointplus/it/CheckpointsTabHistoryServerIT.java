package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Checkpoints tab of {@code RealtimeFeatures}, run through SparkSubmit with the plugin and
 * an event log: live, its JSON API answers while the application runs and a headless Chromium
 * finds the rows, a details page and the charts; afterwards a History Server started with the
 * plugin jar on its class path (as {@code SPARK_DAEMON_CLASSPATH} puts it), on port 0, replays
 * the event log and answers with the same JSON for every checkpoint the live UI showed, and the
 * same configuration; the browser sees the same tab there. Screenshots: target/screenshots/.
 *
 * <p>The History Server runs in its own JVM with Spark's class path and this line's plugin jar,
 * as users deploy it: this module's test class path holds both Scala versions' plugin classes.
 */
class CheckpointsTabHistoryServerIT {
  private static final String APP = "io.checkpointplus.examples.RealtimeFeatures";
  private static final String QUERY_APP = "io.checkpointplus.examples.QueryFeatures";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Spark's log line for a bound UI: SparkUI, or the History Server's HistoryServerUI. */
  private static final Pattern BOUND =
      Pattern.compile("Successfully started service '(SparkUI|HistoryServerUI)' on port (\\d+)");
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(10)).build();
  private static final String QUERY_APP_STOPPED = "stopped";
  /** Input files, one batch each: about 25 s of batches, for the live browser's visit. */
  private static final int QUERY_FILES = 36;
  private static final Path SCREENSHOTS = Path.of("target", "screenshots").toAbsolutePath();

  private static Path work;
  private static String appId;
  private static Process historyServer;
  private static String historyUi;
  private static String queryHistoryUi;
  /** Completed checkpoint rows as the live UI last answered them, by id (and its settings). */
  private static final Map<Long, JsonNode> LIVE_ROWS = new TreeMap<>();
  private static JsonNode liveConfig;
  private static Browser.Visit liveVisit;
  private static String queryAppId;
  private static String queryId;
  /** Finished batch rows of the query as the live UI last answered them, by key. */
  private static final Map<String, JsonNode> LIVE_BATCHES = new TreeMap<>();
  private static Browser.QueryVisit liveQueryVisit;

  @BeforeAll
  static void runApplicationThenHistoryServer() throws Exception {
    work = ChildJvm.workDir("checkpoints-tab");
    Path events = Files.createDirectories(work.resolve("events"));
    Files.createDirectories(SCREENSHOTS);
    Process app = SparkSubmitRun.of(APP).master(SparkSubmitRun.LOCAL).args(
        "--checkpoint", work.resolve("cp").toString(),
        "--output", work.resolve("out").toString(),
        "--batches", "60", "--batch-ms", "500", "--checkpoint-every", "4")
        .withPlugin()
        .conf("spark.checkpointplus.audit.path", work.resolve("audit.jsonl").toString())
        .conf("spark.ui.enabled", "true").conf("spark.ui.port", "0")
        .conf("spark.eventLog.enabled", "true").conf("spark.eventLog.dir", events.toUri().toString())
        .conf("spark.eventLog.compress", "false").conf("spark.eventLog.rolling.enabled", "false")
        .start(work, "app");
    if (Browser.missing().isEmpty()) {
      try (Browser browser = Browser.start(work)) {
        watchLiveUi(app, work.resolve("app.log"), browser);
      }
    } else {
      watchLiveUi(app, work.resolve("app.log"), null);
    }
    assertEquals(0, app.exitValue(), "application failed; log " + work.resolve("app.log"));
    assertFalse(LIVE_ROWS.isEmpty(), "the live UI showed completed checkpoints");
    appId = AuditTrail.read(work.resolve("audit.jsonl")).events().get(0).get("appId").asText();
    runQueryApplication(events);
    startHistoryServer(events);
  }

  /**
   * {@code QueryFeatures}, a micro-batch every 700 ms over 36 input files, with the plugin and
   * an event log: the live API is read until it exits and the browser visits the query's page
   * once two batches finished.
   */
  private static void runQueryApplication(Path events) throws Exception {
    Process app = SparkSubmitRun.of(QUERY_APP).master(SparkSubmitRun.LOCAL).args(
        "--input", work.resolve("query-in").toString(),
        "--checkpoint", work.resolve("query-cp").toString(),
        "--output", work.resolve("query-out").toString(),
        "--files", String.valueOf(QUERY_FILES), "--events-per-file", "400",
        "--trigger-ms", "700")
        .withPlugin()
        .conf("spark.sql.shuffle.partitions", "3")
        .conf("spark.checkpointplus.audit.path", work.resolve("query-audit.jsonl").toString())
        .conf("spark.ui.enabled", "true").conf("spark.ui.port", "0")
        .conf("spark.eventLog.enabled", "true").conf("spark.eventLog.dir", events.toUri().toString())
        .conf("spark.eventLog.compress", "false").conf("spark.eventLog.rolling.enabled", "false")
        .start(work, "query-app");
    Browser browser = Browser.missing().isEmpty() ? Browser.start(work) : null;
    try {
      String ui = null;
      Path log = work.resolve("query-app.log");
      while (!app.waitFor(250, TimeUnit.MILLISECONDS)) {
        if (ui == null) {
          ui = boundUrl(log, "SparkUI");
          continue;
        }
        try {
          JsonNode list = getJson(ui + "/checkpoints/api/queries");
          if (list.get("rows").size() == 0) {
            continue;
          }
          queryId = list.get("rows").get(0).get("id").asText();
          JsonNode batches = getJson(ui + "/checkpoints/api/queries/" + queryId
              + "/batches?pageSize=10000");
          for (JsonNode b : batches.get("rows")) {
            // Finished: committed, and Spark's report of it arrived (it comes after the commit).
            if (b.path("committed").asBoolean(false) && b.hasNonNull("durationMs")) {
              LIVE_BATCHES.put(b.get("key").asText(), b);
            }
          }
        } catch (IOException stopping) {
          continue; // the application is stopping its UI
        }
        if (browser != null && liveQueryVisit == null && LIVE_BATCHES.size() >= 2) {
          liveQueryVisit = browser.visitQuery(ui, "live");
        }
      }
    } finally {
      if (browser != null) {
        browser.close();
      }
    }
    assertEquals(0, app.exitValue(), "query application failed; log "
        + work.resolve("query-app.log"));
    assertFalse(LIVE_BATCHES.isEmpty(), "the live UI showed finished batches");
    queryAppId = AuditTrail.read(work.resolve("query-audit.jsonl")).events().get(0)
        .get("appId").asText();
  }

  /**
   * Until the application exits: reads the live API (every completed row it shows, last answer
   * wins) and, once two checkpoints completed, lets the browser (null where none is installed) visit
   * the live tab.
   */
  private static void watchLiveUi(Process app, Path log, Browser browser) throws Exception {
    String ui = null;
    while (!app.waitFor(250, TimeUnit.MILLISECONDS)) {
      if (ui == null) {
        ui = boundUrl(log, "SparkUI");
        continue;
      }
      JsonNode history;
      try {
        history = getJson(ui + "/checkpoints/api/history?pageSize=10000");
        // The last answer wins: the first polls may come before the hook.status event.
        liveConfig = getJson(ui + "/checkpoints/api/config");
      } catch (IOException stopping) {
        continue; // the application is stopping its UI
      }
      int completed = 0;
      for (JsonNode row : history.get("rows")) {
        if (row.get("status").asText().equals("completed")) {
          LIVE_ROWS.put(row.get("id").asLong(), row);
          completed++;
        }
      }
      if (browser != null && liveVisit == null && completed >= 2) {
        liveVisit = browser.visit(ui, "live");
      }
    }
  }

  private static String boundUrl(Path log, String what) throws IOException {
    if (!Files.exists(log)) {
      return null;
    }
    Matcher m = BOUND.matcher(Files.readString(log));
    while (m.find()) {
      if (m.group(1).equals(what)) {
        return "http://127.0.0.1:" + m.group(2);
      }
    }
    return null;
  }

  private static void startHistoryServer(Path events) throws Exception {
    Path conf = work.resolve("history.properties");
    Files.writeString(conf, "spark.history.fs.logDirectory=" + events.toUri() + "\n"
        + "spark.history.ui.port=0\n"
        + "spark.history.fs.update.interval=1s\n");
    List<String> cmd = ChildJvm.java("1g");
    cmd.addAll(List.of("-cp", ChildJvm.sparkClasspath() + File.pathSeparator + ChildJvm.pluginJar(),
        "org.apache.spark.deploy.history.HistoryServer", "--properties-file", conf.toString()));
    Path log = work.resolve("history-server.log");
    historyServer = ChildJvm.start(cmd, Map.of("SPARK_LOCAL_IP", "127.0.0.1"), log);
    String root = waitFor("the History Server to start (log " + log + ")", 120, () -> {
      try {
        return boundUrl(log, "HistoryServerUI");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    waitFor("the History Server to list " + appId + " and " + queryAppId, 120, () -> {
      try {
        String apps = getJson(root + "/api/v1/applications").toString();
        return apps.contains(appId) && apps.contains(queryAppId) ? "yes" : null;
      } catch (IOException e) {
        return null;
      }
    });
    historyUi = root + "/history/" + appId;
    queryHistoryUi = root + "/history/" + queryAppId;
  }

  @AfterAll
  static void stopHistoryServer() throws InterruptedException {
    if (historyServer != null) {
      historyServer.destroy();
      historyServer.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void historyServerAnswersAsTheLiveUi() throws Exception {
    JsonNode history = getJson(historyUi + "/checkpoints/api/history?pageSize=10000");
    TreeMap<Long, JsonNode> replayed = new TreeMap<>();
    history.get("rows").forEach(r -> replayed.put(r.get("id").asLong(), r));
    for (Map.Entry<Long, JsonNode> live : LIVE_ROWS.entrySet()) {
      assertEquals(live.getValue(), replayed.get(live.getKey()),
          "checkpoint #" + live.getKey() + " live and in the History Server");
    }
    assertEquals(liveConfig, getJson(historyUi + "/checkpoints/api/config"));

    // Everything the application recorded is there, with its write job and streaming batch.
    AuditTrail audit = AuditTrail.read(work.resolve("audit.jsonl"));
    List<JsonNode> completed = audit.ofType("checkpoint.completed");
    JsonNode overview = getJson(historyUi + "/checkpoints/api/overview");
    assertEquals(completed.size(), overview.at("/counts/completed").asInt(), overview.toString());
    assertEquals(audit.ofType("checkpoint.started").size(), overview.at("/counts/started").asInt());
    assertEquals("installed", overview.at("/hook/status").asText());
    long bytes = completed.stream().mapToLong(c -> c.get("bytes").asLong()).sum();
    assertEquals(bytes, overview.at("/totals/bytes").asLong());
    List<Integer> auditRdds = new ArrayList<>();
    completed.forEach(c -> auditRdds.add(c.get("rddId").asInt()));
    List<Integer> rowRdds = new ArrayList<>();
    replayed.values().forEach(r -> {
      rowRdds.add(r.get("rddId").asInt());
      assertTrue(r.hasNonNull("batchTime"), r.toString());
      assertTrue(r.get("jobIds").size() >= 1, "its write job: " + r);
    });
    assertEquals(auditRdds, rowRdds);
    JsonNode details = getJson(historyUi + "/checkpoints/api/details/" + replayed.keySet()
        .iterator().next());
    assertEquals(rowRdds.get(0), details.get("rddId").asInt());
    // The History Server's answers, kept for the README's examples.
    Path answers = Files.createDirectories(SCREENSHOTS.resolveSibling("checkpoints-api"));
    Files.writeString(answers.resolve("overview.json"), overview.toPrettyString());
    Files.writeString(answers.resolve("details.json"), details.toPrettyString());

    // The newest checkpoint's details list the part files really on disk, page and JSON.
    long newest = replayed.lastKey();
    JsonNode last = getJson(historyUi + "/checkpoints/api/details/" + newest);
    Path dir = Path.of(java.net.URI.create(last.get("dir").asText()));
    List<String> onDisk;
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      onDisk = files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("part-"))
          .sorted().toList();
    }
    assertTrue(last.hasNonNull("partitionFiles"), "partition files of #" + newest + ": " + last);
    List<String> listed = new ArrayList<>();
    last.get("partitionFiles").forEach(f -> listed.add(
        Path.of(f.get("file").asText()).getFileName().toString()));
    assertEquals(onDisk, listed.stream().sorted().toList(), "#" + newest + " in " + dir);
    String page = getText(historyUi + "/checkpoints/details?id=" + newest);
    onDisk.forEach(f -> assertTrue(page.contains(f), f + " on the details page"));
  }

  @Test
  void browserSeesTheTabLiveAndInTheHistoryServer() throws Exception {
    Optional<String> missing = Browser.missing();
    // CI installs the browser: there, a skip would hide that the tab was never seen.
    assertFalse(missing.isPresent() && Browser.REQUIRED, () -> "The browser test cannot run"
        + " where CHECKPOINTPLUS_REQUIRE_BROWSER is set (as .ci/run sets it): " + missing.get());
    assumeTrue(missing.isEmpty(), () -> "Skipped the browser test: " + missing.get());
    assertTrue(liveVisit != null, "the browser visited the live UI while the application ran");
    liveVisit.assertGood();
    try (Browser browser = Browser.start(work)) {
      Browser.Visit replayed = browser.visit(historyUi, "history-server");
      replayed.assertGood();
      assertTrue(replayed.rows >= LIVE_ROWS.size(), replayed.rows + " rows");
    }
  }

  /**
   * The query's rows replayed equal what the live UI showed of every finished batch; the
   * batches and their files are those of the location on disk and the query's output.
   */
  @Test
  void historyServerShowsTheQueryAsTheLiveUi() throws Exception {
    JsonNode query = getJson(queryHistoryUi + "/checkpoints/api/queries/" + queryId);
    JsonNode batches = getJson(queryHistoryUi + "/checkpoints/api/queries/" + queryId
        + "/batches?pageSize=10000");
    Map<String, JsonNode> replayed = new TreeMap<>();
    batches.get("rows").forEach(b -> replayed.put(b.get("key").asText(), b));
    for (Map.Entry<String, JsonNode> live : LIVE_BATCHES.entrySet()) {
      assertEquals(live.getValue(), replayed.get(live.getKey()), "batch " + live.getKey()
          + " live and in the History Server");
    }
    // The History Server's answers, kept for the README's examples.
    Path answers = Files.createDirectories(SCREENSHOTS.resolveSibling("checkpoints-api"));
    Files.writeString(answers.resolve("query.json"), query.toPrettyString());
    Files.writeString(answers.resolve("query-batches.json"), getJson(queryHistoryUi
        + "/checkpoints/api/queries/" + queryId + "/batches?pageSize=1").toPrettyString());
    // One batch per input file, each with its offset and commit file as on disk.
    assertEquals(QUERY_FILES, replayed.size(), batches.toString());
    assertEquals(QUERY_FILES, query.get("batches").asInt());
    assertEquals(QUERY_APP_STOPPED, query.get("status").asText());
    Path location = work.resolve("query-cp");
    assertEquals(location.toString(), Path.of(URI.create(query.get("location").asText()))
        .toString());
    String metadataId = JSON.readTree(location.resolve("metadata").toFile()).get("id").asText();
    assertEquals(metadataId, queryId);
    for (JsonNode b : replayed.values()) {
      long id = b.get("batchId").asLong();
      assertTrue(Files.exists(work.resolve("query-out").resolve("batch-" + id + ".txt")));
      JsonNode commit = b.get("checkpointFiles").get(1);
      assertEquals("commits/" + id, commit.get("file").asText());
      assertEquals(Files.size(location.resolve("commits").resolve(String.valueOf(id))),
          commit.get("bytes").asLong());
      assertTrue(b.get("stateRows").asLong() > 0, b.toString());
    }
  }

  @Test
  void browserSeesTheQueryLiveAndInTheHistoryServer() throws Exception {
    Optional<String> missing = Browser.missing();
    assertFalse(missing.isPresent() && Browser.REQUIRED, () -> "The browser test cannot run"
        + " where CHECKPOINTPLUS_REQUIRE_BROWSER is set (as .ci/run sets it): " + missing.get());
    assumeTrue(missing.isEmpty(), () -> "Skipped the browser test: " + missing.get());
    assertTrue(liveQueryVisit != null, "the browser visited the live query page");
    liveQueryVisit.assertGood();
    try (Browser browser = Browser.start(work)) {
      Browser.QueryVisit replayed = browser.visitQuery(queryHistoryUi, "history-server");
      replayed.assertGood();
      assertEquals(QUERY_FILES, replayed.batchRows, "every batch on the History Server's page");
    }
  }

  private static JsonNode getJson(String url) throws IOException {
    return JSON.readTree(getText(url));
  }

  private static String getText(String url) throws IOException {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** Polls {@code condition} until it gives a value, for at most {@code seconds}. */
  private static <T> T waitFor(String what, long seconds, Supplier<T> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Object monitor = new Object();
    while (System.nanoTime() < deadline) {
      T value = condition.get();
      if (value != null) {
        return value;
      }
      synchronized (monitor) {
        monitor.wait(200);
      }
    }
    fail("Timed out after " + seconds + " s waiting for " + what);
    return null;
  }

  /** Headless Chromium (Debian's chromium and chromium-driver) driven by Selenium. */
  static final class Browser implements AutoCloseable {
    /** Set by CI, which installs the browser: a missing browser fails instead of skipping. */
    static final boolean REQUIRED = System.getenv("CHECKPOINTPLUS_REQUIRE_BROWSER") != null;
    private static final String CHROMIUM = System.getProperty("chromium.binary", "/usr/bin/chromium");
    private static final String CHROMEDRIVER =
        System.getProperty("chromedriver.binary", "/usr/bin/chromedriver");

    private final WebDriver driver;

    /** Why the browser cannot run here, with how to install it; empty when it can. */
    static Optional<String> missing() {
      for (String binary : List.of(CHROMIUM, CHROMEDRIVER)) {
        if (!Files.isExecutable(Path.of(binary))) {
          return Optional.of(binary + " not found. Install"
              + " Debian's headless browser and its driver with 'apt-get install chromium"
              + " chromium-driver' (or point -Dchromium.binary and -Dchromedriver.binary at"
              + " them).");
        }
      }
      return Optional.empty();
    }

    private Browser(WebDriver driver) {
      this.driver = driver;
    }

    static Browser start(Path work) throws IOException {
      Path profile = Files.createTempDirectory(work, "chromium-profile");
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM);
      options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
          "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--user-data-dir=" + profile, "--window-size=1400,1100");
      LoggingPreferences logs = new LoggingPreferences();
      logs.enable(LogType.BROWSER, Level.ALL);
      options.setCapability("goog:loggingPrefs", logs);
      ChromeDriverService service = new ChromeDriverService.Builder()
          .usingDriverExecutable(new File(CHROMEDRIVER))
          .usingAnyFreePort().build();
      return new Browser(new ChromeDriver(service, options));
    }

    /** What the browser saw of one UI's Checkpoints tab. */
    static final class Visit {
      int rows;
      int durationBars;
      int sizeBars;
      boolean tabActive;
      boolean detailsShown;
      List<String> consoleErrors = new ArrayList<>();
      String where;

      void assertGood() {
        assertTrue(rows >= 1, where + ": history rows");
        assertTrue(durationBars >= 1 && sizeBars >= 1, where + ": charts drawn");
        assertTrue(tabActive, where + ": the Checkpoints tab is the active one");
        assertTrue(detailsShown, where + ": the details page opened");
        assertEquals(List.of(), consoleErrors, where + ": JavaScript console errors");
      }
    }

    Visit visit(String ui, String name) throws IOException {
      Visit v = new Visit();
      v.where = name;
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
      driver.get(ui + "/checkpoints/");
      wait.until(ExpectedConditions.presenceOfElementLocated(
          By.cssSelector("#checkpoint-history tbody tr.checkpoint-row")));
      v.rows = driver.findElements(By.cssSelector("#checkpoint-history tbody tr")).size();
      v.durationBars = drawn(driver.findElements(
          By.cssSelector("#checkpoint-duration-chart rect.checkpoint-bar")));
      v.sizeBars = drawn(driver.findElements(
          By.cssSelector("#checkpoint-bytes-chart rect.checkpoint-bar")));
      v.tabActive = driver.findElements(By.cssSelector("li.active a[href$='/checkpoints/']"))
          .size() == 1;
      screenshot(name + "-checkpoints");
      driver.findElement(By.cssSelector("#checkpoint-history a[href^='details']")).click();
      wait.until(ExpectedConditions.presenceOfElementLocated(By.id("checkpoint-details")));
      v.detailsShown = driver.getCurrentUrl().contains("/checkpoints/details?id=");
      screenshot(name + "-details");
      v.consoleErrors.addAll(consoleErrors());
      return v;
    }

    /** What the browser saw of a query in one UI's Checkpoints tab. */
    static final class QueryVisit {
      boolean listed;
      int batchRows;
      boolean sparkTabOpened;
      List<String> consoleErrors = new ArrayList<>();
      String where;

      void assertGood() {
        assertTrue(listed, where + ": the query in the overview's list");
        assertTrue(batchRows >= 2, where + ": batch rows on the query's page");
        assertTrue(sparkTabOpened, where + ": Spark's Structured Streaming page of the run");
        assertEquals(List.of(), consoleErrors, where + ": JavaScript console errors");
      }
    }

    /**
     * The overview's query list, then the query's page (its batches), then the link of its
     * latest run to Spark's own Structured Streaming tab.
     */
    QueryVisit visitQuery(String ui, String name) throws IOException {
      QueryVisit v = new QueryVisit();
      v.where = name;
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
      driver.get(ui + "/checkpoints/");
      wait.until(ExpectedConditions.presenceOfElementLocated(
          By.cssSelector("#query-list tr.query-row a[href^='query?id=']")));
      v.listed = true;
      screenshot(name + "-queries");
      driver.findElement(By.cssSelector("#query-list tr.query-row a[href^='query?id=']")).click();
      wait.until(ExpectedConditions.presenceOfElementLocated(By.id("query-details")));
      v.batchRows = driver.findElements(By.cssSelector("#query-batches tr.query-batch")).size();
      screenshot(name + "-query");
      // The tab's own pages: errors on Spark's page after the link are Spark's.
      v.consoleErrors.addAll(consoleErrors());
      String runId = driver.findElement(By.cssSelector("#query-details a.spark-query-link"))
          .getText();
      driver.findElement(By.cssSelector("#query-details a.spark-query-link")).click();
      wait.until(d -> d.getPageSource().contains(runId)
          && d.getCurrentUrl().contains("/StreamingQuery/statistics"));
      v.sparkTabOpened = true;
      screenshot(name + "-spark-query");
      return v;
    }

    /** The browser console's errors since the last call (reading the log empties it). */
    private List<String> consoleErrors() {
      List<String> errors = new ArrayList<>();
      for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
        if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
          errors.add(e.getMessage());
        }
      }
      return errors;
    }

    /** Elements the browser laid out with a non-zero size. */
    private static int drawn(List<WebElement> elements) {
      int n = 0;
      for (WebElement e : elements) {
        if (e.getRect().getHeight() > 0 && e.getRect().getWidth() > 0) {
          n++;
        }
      }
      return n;
    }

    private void screenshot(String name) throws IOException {
      byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
      Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    }

    @Override
    public void close() {
      driver.quit();
    }
  }
}
