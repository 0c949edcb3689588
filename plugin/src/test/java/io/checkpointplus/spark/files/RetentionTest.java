package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/**
 * Retention of the {@code <uuid>} directories earlier runs left (SPARK-33000): the old ones go,
 * the newest kept ones, recently changed ones, ones this application reads, and its own stay.
 */
class RetentionTest extends WithLocalSpark {

  /**
   * An earlier run's directory holding one checkpoint, written by an application with the
   * plugin that stopped {@code age} ago: its owner marker and files last changed then.
   */
  private Path earlierRun(Path root, Duration age) throws Exception {
    Path dir = root.resolve(UUID.randomUUID().toString());
    Path rdd = Files.createDirectories(dir.resolve("rdd-1"));
    Files.writeString(rdd.resolve("part-00000"), "x");
    Instant stopped = Instant.now().minus(age);
    new OwnerMarker("app-earlier", "earlier", stopped.toEpochMilli()).write(
        org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration()),
        new org.apache.hadoop.fs.Path(dir.toUri()));
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.collect(Collectors.toList())) {
        Files.setLastModifiedTime(p, FileTime.from(stopped));
      }
    }
    return dir;
  }

  /** Writes a stock checkpoint under {@code root} and returns its {@code rdd-N} directory. */
  private Path stockCheckpoint(Path root, Duration age) throws Exception {
    sc = LocalSpark.stock(Map.of());
    sc.setCheckpointDir(root.toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3), 1);
    rdd.checkpoint();
    rdd.count();
    Path dir = Path.of(java.net.URI.create(rdd.getCheckpointFile().get()));
    LocalSpark.stop(sc);
    sc = null;
    FileTime when = FileTime.from(Instant.now().minus(age));
    try (var walk = Files.walk(dir.getParent())) {
      for (Path p : walk.collect(Collectors.toList())) {
        Files.setLastModifiedTime(p, when);
      }
    }
    return dir;
  }

  private void checkpointSomething(Map<String, String> settings, Path root, Path read) {
    sc = LocalSpark.withPlugin(audit(), settings);
    sc.setCheckpointDir(root.toString());
    JavaSparkContext jsc = new JavaSparkContext(sc);
    // The application reads an earlier run's checkpoint, as a restored DStream does.
    assertEquals(3, new JavaRDD<>(sc.checkpointFile(read.toString(),
        ClassTag$.MODULE$.apply(Integer.class)), ClassTag$.MODULE$.apply(Integer.class)).count());
    JavaRDD<Integer> rdd = jsc.parallelize(List.of(1, 2, 3, 4), 2).map(x -> x + 1);
    rdd.checkpoint();
    rdd.count();
    try {
      RetentionSweeper.awaitAllSweeps(); // sweeps run on the retention thread
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void oldDirectoriesOfEarlierRunsAreRemovedAndTheRestKept() throws Exception {
    Path root = tmp.resolve("cp");
    Path readByApp = stockCheckpoint(root, Duration.ofDays(3));
    Path oldest = earlierRun(root, Duration.ofDays(2));
    Path newerOld = earlierRun(root, Duration.ofDays(1));
    Path kept = earlierRun(root, Duration.ofHours(5));
    Path recent = earlierRun(root, Duration.ofMinutes(5));

    // keepLast counts the earlier runs that are over: "recent" is live, not one of them
    checkpointSomething(Map.of("spark.checkpointplus.files.retention.enabled", "true",
        "spark.checkpointplus.files.retention.keepLast", "1",
        "spark.checkpointplus.files.retention.olderThan", "1h"), root, readByApp);

    assertTrue(Files.exists(readByApp), "a checkpoint this application reads");
    assertTrue(Files.exists(recent), "changed recently: maybe in use");
    assertTrue(Files.exists(kept), "the newest earlier run that is over");
    assertFalse(Files.exists(oldest));
    assertFalse(Files.exists(newerOld));
    Path own = Path.of(java.net.URI.create(sc.getCheckpointDir().get()));
    assertTrue(Files.exists(own));
    List<JsonNode> cleaned = LocalSpark.events(audit(), "checkpoint.cleaned");
    assertEquals(2, cleaned.size());
    cleaned.forEach(c -> assertTrue(c.get("deleted").asBoolean(), c.toString()));
  }

  @Test
  void aDryRunDeletesNothingAndSaysWhatItWouldDelete() throws Exception {
    Path root = tmp.resolve("cp");
    Path readByApp = stockCheckpoint(root, Duration.ofDays(3));
    Path old = earlierRun(root, Duration.ofDays(2));
    checkpointSomething(Map.of("spark.checkpointplus.files.retention.enabled", "true",
        "spark.checkpointplus.files.retention.keepLast", "0",
        "spark.checkpointplus.files.retention.dryRun", "true"), root, readByApp);
    assertTrue(Files.exists(old));
    JsonNode cleaned = LocalSpark.events(audit(), "checkpoint.cleaned").get(0);
    assertTrue(cleaned.get("dryRun").asBoolean());
    assertFalse(cleaned.get("deleted").asBoolean());
    assertTrue(cleaned.get("dir").asText().endsWith(old.getFileName().toString()));
  }

  @Test
  void directoriesWithoutOwnerMarkerAreSweptOnlyWhenIncludeUnownedOptsIn() throws Exception {
    Path root = tmp.resolve("cp");
    Path readByApp = stockCheckpoint(root, Duration.ofDays(3));
    Path stockRun = stockCheckpoint(root, Duration.ofDays(2)).getParent(); // no owner marker
    checkpointSomething(Map.of("spark.checkpointplus.files.retention.enabled", "true",
        "spark.checkpointplus.files.retention.keepLast", "0",
        "spark.checkpointplus.files.retention.includeUnowned", "true"), root, readByApp);
    assertFalse(Files.exists(stockRun), "opted in: an unowned directory idle for two days");
    assertTrue(Files.exists(readByApp), "a checkpoint this application reads");
    JsonNode cleaned = LocalSpark.events(audit(), "checkpoint.cleaned").get(0);
    assertTrue(cleaned.get("reason").asText().contains("without owner marker"), cleaned.toString());
  }

  @Test
  void retentionIsOffByDefault() throws Exception {
    Path root = tmp.resolve("cp");
    Path readByApp = stockCheckpoint(root, Duration.ofDays(3));
    Path old = earlierRun(root, Duration.ofDays(30));
    checkpointSomething(Map.of(), root, readByApp);
    assertTrue(Files.exists(old));
    assertTrue(LocalSpark.events(audit(), "checkpoint.cleaned").isEmpty());
  }
}
