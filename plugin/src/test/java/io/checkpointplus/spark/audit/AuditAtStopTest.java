package io.checkpointplus.spark.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.junit.jupiter.api.Test;

/**
 * Events recorded before {@code sc.stop()} reach every sink, the event log included. Spark 3.5
 * stops the listener bus before it calls {@code DriverPlugin.shutdown}, so anything still waiting
 * in the plugin's own queue at that point could never reach the event log or the History Server.
 */
class AuditAtStopTest extends WithLocalSpark {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void eventsRecordedBeforeStopReachTheEventLogAndTheJsonLinesFile() throws Exception {
    Path eventLogs = Files.createDirectories(tmp.resolve("events"));
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.eventLog.enabled", "true",
        "spark.eventLog.dir", eventLogs.toUri().toString(),
        // One plain-text event log file, as this test reads it: Spark 4 rolls and compresses
        // event logs by default.
        "spark.eventLog.rolling.enabled", "false", "spark.eventLog.compress", "false"));
    // A sink that is slow to deliver (a slow disk, a backlog of events): it holds the plugin's
    // delivery thread until the application ends, i.e. until sc.stop() is under way.
    CountDownLatch applicationEnded = new CountDownLatch(1);
    sc.addSparkListener(new SparkListener() {
      @Override
      public void onApplicationEnd(SparkListenerApplicationEnd end) {
        applicationEnded.countDown();
      }
    });
    AuditLog log = AuditLog.openLogs().stream()
        .filter(l -> l.appId().equals(sc.applicationId())).findFirst().orElseThrow();
    log.addSink(event -> applicationEnded.await(60, TimeUnit.SECONDS));

    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3), 2)
        .map(x -> x + 1);
    rdd.checkpoint();
    rdd.count();
    int rddId = rdd.id();
    LocalSpark.stop(sc);
    sc = null;

    List<String> inEventLog = pluginEventsBeforeApplicationEnd(eventLogs);
    assertTrue(inEventLog.containsAll(List.of("hook.status", "checkpoint.started",
        "checkpoint.completed")), "plugin events before SparkListenerApplicationEnd: "
        + inEventLog);
    List<String> inFile = LocalSpark.events(audit()).stream()
        .map(e -> e.get("type").asText()).collect(Collectors.toList());
    assertTrue(inFile.containsAll(List.of("hook.status", "checkpoint.started",
        "checkpoint.completed")), "JSON Lines after stop: " + inFile);
    assertEquals(rddId, LocalSpark.events(audit(), "checkpoint.completed").get(0)
        .get("rddId").asInt());
  }

  /** Types of the plugin's events in the one event log file, up to the application's end. */
  private static List<String> pluginEventsBeforeApplicationEnd(Path eventLogs) throws Exception {
    Path file;
    try (var files = Files.list(eventLogs)) {
      file = files.findFirst().orElseThrow();
    }
    List<String> types = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      JsonNode event = JSON.readTree(line);
      String name = event.get("Event").asText();
      if (name.equals("SparkListenerApplicationEnd")) {
        break;
      }
      if (name.equals(CheckpointPlusListenerEvent.class.getName())) {
        types.add(event.get("audit").get("type").asText());
      }
    }
    return types;
  }
}
