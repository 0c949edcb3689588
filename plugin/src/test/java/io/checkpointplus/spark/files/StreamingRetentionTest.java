package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.Optional;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.api.java.JavaPairDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.Tuple2;

/**
 * Retention never removes a {@code <uuid>} directory that the streaming metadata checkpoints in
 * the root name: a stopped streaming application restarts from its newest
 * {@code checkpoint-<time>} file, whose DStream graph restores state from {@code rdd-N} there.
 * A real streaming application ({@code updateStateByKey} over a {@code queueStream}) writes its
 * checkpoints and stops; its directory is aged past {@code olderThan} with a dead owner, and a
 * second application sweeps the same root. The metadata is compressed with the streaming
 * application's codec, not necessarily the sweeping one's.
 */
class StreamingRetentionTest extends WithLocalSpark {
  private static final long BATCH_MS = 200;

  /**
   * Runs a stateful streaming application checkpointing into {@code root} until three batches
   * completed, stops it, and returns its {@code <uuid>} directory.
   */
  private Path runStreamingApplication(Path root, String codec) throws Exception {
    SparkConf conf = new SparkConf(false).setMaster("local[2]").setAppName("stateful-stream")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
        .set("spark.plugins", LocalSpark.PLUGIN)
        .set("spark.checkpointplus.audit.path", tmp.resolve("stream-audit.jsonl").toString())
        .set("spark.io.compression.codec", codec);
    JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(new SparkContext(
        conf)), Durations.milliseconds(BATCH_MS));
    try {
      ssc.checkpoint(root.toString());
      Queue<JavaRDD<String>> queue = new LinkedList<>();
      for (int i = 0; i < 50; i++) {
        queue.add(ssc.sparkContext().parallelize(List.of("a", "b", "a" + i % 3), 2));
      }
      JavaPairDStream<String, Integer> counts = ssc.queueStream(queue, true)
          .mapToPair(w -> new Tuple2<>(w, 1))
          .updateStateByKey((List<Integer> news, Optional<Integer> old) ->
              Optional.of(old.orElse(0) + news.size()));
      counts.checkpoint(Durations.milliseconds(BATCH_MS));
      counts.foreachRDD(rdd -> {
        rdd.count();
      });
      CountDownLatch batches = new CountDownLatch(3);
      ssc.addStreamingListener(new StreamingListener() {
        @Override
        public void onBatchCompleted(StreamingListenerBatchCompleted completed) {
          batches.countDown();
        }
      });
      ssc.start();
      assertTrue(batches.await(120, TimeUnit.SECONDS), "three batches within 120 s");
    } finally {
      // Stops the job generator, which waits for the metadata checkpoint writer to finish.
      ssc.stop(true, false);
      LocalSpark.stop(ssc.sparkContext().sc());
    }
    List<Path> dirs = uuidDirectories(root);
    assertTrue(dirs.size() == 1, "one <uuid> directory: " + dirs);
    try (Stream<Path> rdds = Files.list(dirs.get(0))) {
      assertTrue(rdds.anyMatch(p -> p.getFileName().toString().startsWith("rdd-")),
          "the state DStream checkpointed its RDDs");
    }
    try (Stream<Path> metadata = Files.list(root)) {
      assertTrue(metadata.anyMatch(p -> p.getFileName().toString().startsWith("checkpoint-")),
          "metadata checkpoints in the root");
    }
    return dirs.get(0);
  }

  private static List<Path> uuidDirectories(Path root) throws Exception {
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(Files::isDirectory)
          .filter(p -> p.getFileName().toString().matches("[0-9a-f-]{36}"))
          .collect(Collectors.toList());
    }
  }

  /** Makes {@code dir} look abandoned: owner heartbeat and every file time {@code age} ago. */
  private static void age(Path dir, String appName, Duration age) throws Exception {
    Instant when = Instant.now().minus(age);
    new OwnerMarker("app-dead", appName, when.toEpochMilli()).write(
        FileSystem.getLocal(new Configuration()), new org.apache.hadoop.fs.Path(dir.toUri()));
    List<Path> all;
    try (Stream<Path> walk = Files.walk(dir)) {
      all = walk.collect(Collectors.toCollection(ArrayList::new));
    }
    for (Path p : all) {
      Files.setLastModifiedTime(p, FileTime.from(when));
    }
  }

  @ParameterizedTest(name = "metadata compressed with {0}")
  @ValueSource(strings = {"lz4", "zstd"})
  void aDirectoryTheStreamingMetadataNamesIsNeverSwept(String codec) throws Exception {
    Path root = tmp.resolve("stream-cp");
    Path streaming = runStreamingApplication(root, codec);
    age(streaming, "stateful-stream", Duration.ofDays(2));
    Path unreferenced = Files.createDirectories(root.resolve(UUID.randomUUID().toString())
        .resolve("rdd-7"));
    Files.writeString(unreferenced.resolve("part-00000"), "x");
    age(unreferenced.getParent(), "stateful-stream", Duration.ofDays(2));

    // A second application sweeps the same root, with the default codec (lz4).
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.checkpointplus.files.retention.enabled", "true",
        "spark.checkpointplus.files.retention.keepLast", "0",
        "spark.checkpointplus.files.retention.olderThan", "10min"));
    sc.setCheckpointDir(root.toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3), 1);
    rdd.checkpoint();
    rdd.count();
    RetentionSweeper.awaitAllSweeps();

    assertTrue(Files.exists(streaming), "named by the streaming metadata checkpoint: " + streaming);
    assertFalse(Files.exists(unreferenced.getParent()),
        "an aged directory no metadata names: " + unreferenced.getParent());
  }
}
