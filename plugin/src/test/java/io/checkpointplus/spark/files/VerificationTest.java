package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Verification fails a job only on proof of damage; a file system that cannot be asked (a
 * listing refused) is a warning and an audit event, and the job runs as stock Spark would. A
 * checkpoint counts as verified only once it passed, whatever the number of concurrent jobs.
 */
class VerificationTest extends WithLocalSpark {
  private static final int RECORDS = 2_000;

  @AfterEach
  void openGate() {
    FaultyFileSystem.manifestGate = null;
  }

  private JavaRDD<Integer> checkpointedOnFaulty(String root) {
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.hadoop.fs.faulty.impl", FaultyFileSystem.class.getName(),
        "spark.hadoop.fs.faulty.impl.disable.cache", "true"));
    sc.setCheckpointDir("faulty://" + tmp.resolve(root));
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(
        IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()), 4).map(x -> x * 3);
    rdd.checkpoint();
    assertEquals(RECORDS, rdd.count());
    return rdd;
  }

  @Test
  void aCheckpointReadBackIsVerifiedOnceAndRecorded() {
    JavaRDD<Integer> rdd = checkpointedOnFaulty("cp");

    assertEquals(RECORDS, rdd.count());
    assertEquals(RECORDS, rdd.count());

    List<JsonNode> verified = LocalSpark.events(audit(), "checkpoint.verified");
    assertEquals(1, verified.size(), "once per checkpoint, not per job: " + verified);
    assertEquals(rdd.getCheckpointFile().get(), verified.get(0).get("dir").asText());
    assertEquals("size", verified.get(0).get("verify").asText());
    assertTrue(LocalSpark.events(audit(), "checkpoint.unverified").isEmpty());
  }

  @Test
  void aListingThatFailsIsAWarningAndTheJobProceeds() {
    JavaRDD<Integer> rdd = checkpointedOnFaulty("cp");
    // From now on the driver cannot list the checkpoint directory (e.g. a permission change).
    sc.hadoopConfiguration().setBoolean("fs.faulty.failListing", true);

    assertEquals(RECORDS, rdd.count(), "the job runs as stock Spark would");

    List<JsonNode> unverified = LocalSpark.events(audit(), "checkpoint.unverified");
    assertEquals(1, unverified.size(), "one audit event per failed verification");
    JsonNode e = unverified.get(0);
    assertEquals(rdd.getCheckpointFile().get(), e.get("dir").asText());
    assertTrue(e.get("cause").asText().contains("injected listing failure"), e.toString());
    assertTrue(LocalSpark.events(audit(), "checkpoint.failed").isEmpty());
  }

  @Test
  void concurrentJobsAllSeeTheDamage() throws Exception {
    JavaRDD<Integer> rdd = checkpointedOnFaulty("cp");
    Path part = Path.of(java.net.URI.create(rdd.getCheckpointFile().get()).getPath())
        .resolve("part-00001");
    long size = Files.size(part);
    try (RandomAccessFile f = new RandomAccessFile(part.toFile(), "rw")) {
      f.setLength(size - 10);
    }
    int jobs = 4;
    // Every job's verification reaches the manifest before any finishes: they overlap.
    FaultyFileSystem.manifestGate = new CountDownLatch(jobs);
    ExecutorService pool = Executors.newFixedThreadPool(jobs);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < jobs; i++) {
        results.add(pool.submit(rdd::count));
      }
      for (Future<Long> r : results) {
        Throwable cause = assertThrowsCause(r);
        assertTrue(cause instanceof CheckpointVerificationException
            && cause.getMessage().contains("part-00001 has " + (size - 10) + " bytes"),
            "every concurrent job is stopped by verification, got " + cause);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static Throwable assertThrowsCause(Future<?> f) throws InterruptedException {
    try {
      f.get();
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the job read a damaged checkpoint and succeeded");
  }
}
