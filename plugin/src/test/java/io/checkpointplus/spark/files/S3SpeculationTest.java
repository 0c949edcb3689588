package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.deploy.master.Master$;
import org.apache.spark.deploy.worker.Worker$;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.Blob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;
import scala.reflect.ClassTag$;

/**
 * Speculation against a real S3 API: the first attempt of partition 0 stops halfway through its
 * records (it waits there until killed), Spark launches a speculative copy, the copy commits, and
 * the original is killed mid-write. The killed attempt must not replace the committed object:
 * every stored part matches the manifest in size and CRC32C, and the data reads back equal.
 *
 * <p>The cluster is {@code local-cluster[2,1,1024]} built by hand: Spark never runs a
 * speculative copy on the host of a running attempt ({@code TaskSetManager.hasAttemptOnHost}),
 * and {@code local-cluster} gives every worker the same host name; here the two workers are
 * {@code 127.0.0.1} and {@code localhost}. One context, {@value #ROUNDS} checkpoints.
 */
class S3SpeculationTest {
  static final int ROUNDS = 20;
  private static final String BUCKET = "speculation";
  private static final int RECORDS = 20_000;

  @TempDir
  static Path tmp;

  private static InProcessS3 s3;
  private static BlobStore store;
  private static final List<RpcEnv> cluster = new ArrayList<>();
  private static SparkContext sc;
  private static final Object taskLock = new Object();
  private static int running;
  private static int speculative;

  @BeforeAll
  static void start() throws Exception {
    s3 = InProcessS3.start(BUCKET);
    store = s3.store;

    Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
    SparkConf clusterConf = new SparkConf(false).set("spark.master.rest.enabled", "false")
        .set("spark.shuffle.service.enabled", "false").set("spark.ui.enabled", "false");
    RpcEnv master = Master$.MODULE$.startRpcEnvAndEndpoint("127.0.0.1", 0, 0, clusterConf)._1();
    cluster.add(master);
    String masterUrl = "spark://127.0.0.1:" + master.address().port();
    String[] hosts = {"127.0.0.1", "localhost"};
    for (int i = 0; i < hosts.length; i++) {
      cluster.add(Worker$.MODULE$.startRpcEnvAndEndpoint(hosts[i], 0, 0, 1, 1024,
          new String[] {masterUrl}, Files.createDirectories(tmp.resolve("worker" + i)).toString(),
          Option.apply(i + 1), clusterConf, Option.empty()));
    }

    SparkConf conf = LocalSpark.clusterConf(masterUrl, "s3-speculation")
        .set("spark.plugins", LocalSpark.PLUGIN)
        .set("spark.checkpointplus.audit.path", tmp.resolve("audit.jsonl").toString())
        .set("spark.checkpointplus.reuse.enabled", "false")
        .set("spark.cores.max", "2")
        .set("spark.speculation", "true")
        .set("spark.speculation.interval", "50ms")
        .set("spark.speculation.multiplier", "1.1")
        .set("spark.speculation.quantile", "0.5")
        .set("spark.speculation.minTaskRuntime", "50ms");
    s3.sparkSettings(Map.of()).forEach(conf::set);
    sc = new SparkContext(conf);
    sc.addSparkListener(new SparkListener() {
      @Override
      public void onTaskStart(SparkListenerTaskStart start) {
        synchronized (taskLock) {
          running++;
          speculative += start.taskInfo().speculative() ? 1 : 0;
        }
      }

      @Override
      public void onTaskEnd(SparkListenerTaskEnd end) {
        synchronized (taskLock) {
          running--;
          taskLock.notifyAll();
        }
      }
    });
    sc.setCheckpointDir("s3a://" + BUCKET + "/cp");
  }

  @AfterAll
  static void stop() throws Exception {
    if (sc != null) {
      sc.stop();
    }
    for (RpcEnv env : cluster) {
      env.shutdown();
      env.awaitTermination();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  /** Waits until every task attempt launched so far, killed ones included, has ended. */
  private static int quiesce() throws Exception {
    sc.listenerBus().waitUntilEmpty();
    long deadline = System.currentTimeMillis() + 120_000;
    synchronized (taskLock) {
      while (running > 0) {
        long left = deadline - System.currentTimeMillis();
        assertTrue(left > 0, running + " task attempts still running after 120 s");
        taskLock.wait(left);
      }
      return speculative;
    }
  }

  private static byte[] object(String key) throws Exception {
    Blob blob = store.getBlob(BUCKET, key);
    assertTrue(blob != null, "no object " + key);
    try (InputStream in = blob.getPayload().openStream()) {
      return in.readAllBytes();
    }
  }

  @RepeatedTest(ROUNDS)
  void aKilledSpeculativeLoserNeverReplacesTheCommittedObject() throws Exception {
    int speculativeBefore = quiesce();
    List<Integer> input = IntStream.range(0, RECORDS).boxed().collect(Collectors.toList());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(input, 4).map(x -> {
      TaskContext ctx = TaskContext.get();
      if (ctx.partitionId() == 0 && ctx.attemptNumber() == 0 && x == RECORDS / 8) {
        // The first attempt of partition 0 never finishes on its own, half-way through its
        // records: only its speculative copy can complete the partition, and this attempt runs
        // until Spark kills it as the loser.
        while (!ctx.isInterrupted()) {
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        throw new org.apache.spark.TaskKilledException("killed as the speculative loser");
      }
      return x * 3;
    });
    rdd.checkpoint();
    assertEquals(RECORDS, rdd.count());
    assertTrue(rdd.isCheckpointed());
    // the killed attempts finish their clean-up before the objects are compared
    assertTrue(quiesce() > speculativeBefore, "a speculative attempt ran");

    String dir = rdd.getCheckpointFile().get();
    String prefix = dir.substring(("s3a://" + BUCKET + "/").length()) + "/";
    CheckpointManifest manifest = CheckpointManifest.parse(new String(
        object(prefix + CheckpointManifest.FILE_NAME), StandardCharsets.UTF_8));
    assertEquals(4, manifest.partitions().size());
    for (CheckpointManifest.Entry e : manifest.partitions()) {
      byte[] stored = object(prefix + e.file());
      CRC32C crc = new CRC32C();
      crc.update(stored);
      assertEquals(e.bytes(), stored.length, "size of the stored " + e.file());
      assertEquals(Long.toHexString(e.crc32c()), Long.toHexString(crc.getValue()),
          "CRC32C of the stored " + e.file());
    }
    List<Integer> back = new ArrayList<>(new JavaRDD<>(sc.<Integer>checkpointFile(dir,
        ClassTag$.MODULE$.apply(Integer.class)), ClassTag$.MODULE$.apply(Integer.class))
        .collect());
    Collections.sort(back);
    assertEquals(input.stream().map(x -> x * 3).collect(Collectors.toList()), back,
        "Spark's checkpoint reader reads the data back equal");
  }
}
