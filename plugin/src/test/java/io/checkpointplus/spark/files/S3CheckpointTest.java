package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/**
 * The object-store path on a real S3 API: s3proxy in-process (in-memory store, path-style on
 * 127.0.0.1) behind Hadoop's S3A client. {@code auto} commits directly there: no attempt
 * objects, no renames; a failed attempt leaves a complete checkpoint; the manifest catches a
 * missing part.
 */
class S3CheckpointTest extends WithLocalSpark {
  private static final String BUCKET = "checkpoints";
  private static final int RECORDS = 5_000;
  private static InProcessS3 s3;
  private static BlobStore store;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = InProcessS3.start(BUCKET);
    store = s3.store;
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  private Map<String, String> s3a(Map<String, String> extra) {
    return s3.sparkSettings(extra);
  }

  private List<String> keys(String prefix) {
    return store.list(BUCKET, ListContainerOptions.Builder.prefix(prefix).recursive()).stream()
        .map(StorageMetadata::getName).sorted().collect(Collectors.toList());
  }

  private static List<Integer> expected() {
    return IntStream.range(0, RECORDS).map(x -> x + 5).boxed().collect(Collectors.toList());
  }

  private static List<Integer> sorted(List<Integer> values) {
    List<Integer> copy = new ArrayList<>(values);
    Collections.sort(copy);
    return copy;
  }

  @Test
  void directCommitOnS3EndToEnd() throws Exception {
    sc = LocalSpark.withPlugin(audit(), s3a(Map.of()));
    sc.setCheckpointDir("s3a://" + BUCKET + "/direct");
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(
        IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()), 3).map(x -> x + 5);
    rdd.checkpoint();
    assertEquals(RECORDS, rdd.count());
    assertTrue(rdd.isCheckpointed());

    String dir = rdd.getCheckpointFile().get();
    String prefix = dir.substring(("s3a://" + BUCKET + "/").length()) + "/";
    List<String> objects = keys(prefix).stream().map(k -> k.substring(prefix.length()))
        .filter(k -> !k.isEmpty()).collect(Collectors.toList());
    assertEquals(List.of("_checkpoint-manifest.json", "part-00000", "part-00001", "part-00002"),
        objects, "final names only: no attempt objects, nothing renamed");
    assertEquals(expected(), sorted(rdd.collect()), "verified and read back from S3");

    LocalSpark.stop(sc);
    sc = LocalSpark.stock(s3a(Map.of()));
    assertEquals(expected(), sorted(new JavaRDD<>(sc.<Integer>checkpointFile(dir,
        ClassTag$.MODULE$.apply(Integer.class)), ClassTag$.MODULE$.apply(Integer.class))
        .collect()), "stock Spark reads it");
  }

  @Test
  void aFailedAttemptIsRetriedIntoACompleteCheckpoint() throws Exception {
    SparkConf conf = new SparkConf(false).setMaster("local[2,3]").setAppName("s3-retry")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
        .set("spark.plugins", LocalSpark.PLUGIN)
        .set("spark.checkpointplus.audit.path", audit().toString())
        .set("spark.checkpointplus.reuse.enabled", "false");
    s3a(Map.of()).forEach(conf::set);
    sc = new SparkContext(conf);
    sc.setCheckpointDir("s3a://" + BUCKET + "/retry");
    java.util.concurrent.atomic.AtomicInteger failedTasks =
        new java.util.concurrent.atomic.AtomicInteger();
    sc.addSparkListener(new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
        if (!end.taskInfo().successful()) {
          failedTasks.incrementAndGet();
        }
      }
    });
    // The checkpoint job's first attempt at partition 1 dies halfway through its records.
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(
        IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()), 3).map(x -> {
          TaskContext ctx = TaskContext.get();
          // stage 0 is the action; stage 1 the checkpoint job (reuse is off: it computes again)
          if (ctx.stageId() == 1 && ctx.partitionId() == 1 && ctx.attemptNumber() == 0
              && x == RECORDS / 2) {
            throw new IllegalStateException("attempt lost halfway");
          }
          return x + 5;
        });
    rdd.checkpoint();
    assertEquals(RECORDS, rdd.count());
    sc.listenerBus().waitUntilEmpty();
    assertEquals(1, failedTasks.get(), "one checkpoint task attempt failed and was retried");
    assertTrue(rdd.isCheckpointed());
    assertEquals(expected(), sorted(rdd.collect()), "the retried object, verified");
    assertEquals(RECORDS, LocalSpark.events(audit(), "checkpoint.completed").get(0)
        .get("records").asInt());
  }

  @Test
  void theManifestCatchesAMissingPart() throws Exception {
    // A deserialized reuse level: the records are counted, and the message names them.
    sc = LocalSpark.withPlugin(audit(), s3a(Map.of(
        "spark.checkpointplus.reuse.storageLevel", "MEMORY_AND_DISK")));
    sc.setCheckpointDir("s3a://" + BUCKET + "/missing");
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(
        IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()), 3).map(x -> x + 5);
    rdd.checkpoint();
    rdd.count();
    String dir = rdd.getCheckpointFile().get();
    store.removeBlob(BUCKET, dir.substring(("s3a://" + BUCKET + "/").length()) + "/part-00001");

    Exception e = assertThrows(CheckpointVerificationException.class, rdd::count);
    assertTrue(e.getMessage().matches("Checkpoint file s3a://.*/part-00001 is missing: the"
        + " manifest lists it with \\d+ bytes and \\d+ records"), e.getMessage());
  }
}
