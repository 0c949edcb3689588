package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/**
 * The file layer on real HDFS ({@code MiniDFSCluster}, two datanodes): write, read back, stock
 * Spark reading the plugin's checkpoint, and a datanode lost in the middle of a write.
 */
class HdfsCheckpointTest extends WithLocalSpark {
  private static final int RECORDS = 20_000;
  private static InProcessHdfs hdfs;
  /** Times partition 1 started computing; the second time is the checkpoint job. */
  private static final AtomicInteger PARTITION_ONE_RUNS = new AtomicInteger();

  @BeforeAll
  static void startHdfs(@org.junit.jupiter.api.io.TempDir java.nio.file.Path base)
      throws Exception {
    // Two datanodes: a lost one cannot be replaced, the write carries on with the other.
    hdfs = InProcessHdfs.start(base, 2,
        Map.of("dfs.client.block.write.replace-datanode-on-failure.enable", "false"));
  }

  @AfterAll
  static void stopHdfs() {
    if (hdfs != null) {
      hdfs.close();
    }
  }

  private String hdfs(String path) {
    return hdfs.uri(path);
  }

  private static List<Integer> expected() {
    return IntStream.range(0, RECORDS).map(x -> x * 3).boxed().collect(Collectors.toList());
  }

  @Test
  void checkpointOnHdfsIsWrittenVerifiedAndReadByStockSpark() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    sc.setCheckpointDir(hdfs("/checkpoints/plain"));
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(
        IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()), 4).map(x -> x * 3);
    rdd.checkpoint();
    assertEquals(RECORDS, rdd.count());
    assertTrue(rdd.isCheckpointed());
    String dir = rdd.getCheckpointFile().get();
    assertTrue(dir.startsWith("hdfs://"), dir);

    FileSystem fs = hdfs.fileSystem();
    CheckpointFileManager files = new CheckpointFileManager(new Path(dir), fs.getConf(),
        CommitMode.AUTO);
    assertEquals(CommitMode.RENAME, files.commitMode());
    assertEquals(4, files.readManifest().get().partitions().size());
    files.verify(VerifyMode.CHECKSUM);
    assertEquals(expected(), sorted(rdd.collect()), "read back through the plugin");

    LocalSpark.stop(sc);
    sc = LocalSpark.stock(Map.of());
    List<Integer> readByStock = new JavaRDD<>(sc.<Integer>checkpointFile(dir,
        ClassTag$.MODULE$.apply(Integer.class)), ClassTag$.MODULE$.apply(Integer.class))
        .collect();
    assertEquals(expected(), sorted(readByStock));
  }

  @Test
  void aDatanodeLostDuringTheWriteLeavesACompleteCheckpoint() throws Exception {
    // Reuse off: the checkpoint job computes the partitions again, so the map below also runs
    // in the middle of the write, and stops a datanode there.
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpointplus.reuse.enabled", "false",
        "spark.checkpointplus.files.verify", "checksum"));
    sc.setCheckpointDir(hdfs("/checkpoints/datanode-lost"));
    PARTITION_ONE_RUNS.set(0);
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(
        IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()), 4)
        .mapPartitions(records -> {
          if (TaskContext.getPartitionId() == 1 && PARTITION_ONE_RUNS.incrementAndGet() == 2) {
            hdfs.cluster.stopDataNode(0);
          }
          List<Integer> out = new ArrayList<>();
          records.forEachRemaining(x -> out.add(x * 3));
          return out.iterator();
        });
    rdd.checkpoint();
    assertEquals(RECORDS, rdd.count());

    assertEquals(2, PARTITION_ONE_RUNS.get(), "the datanode was stopped during the write");
    assertTrue(rdd.isCheckpointed());
    JsonNode completed = LocalSpark.events(audit(), "checkpoint.completed").get(0);
    assertEquals(RECORDS, completed.get("records").asInt());
    assertEquals(expected(), sorted(rdd.collect()), "verified and read back from HDFS");
  }

  /**
   * Defect 7 on HDFS (see {@link CommitWinnerTest}): partition 0's first attempt commits and
   * then fails; the retry is authorised and its file, the one the manifest describes, is kept.
   */
  @Test
  void theFileKeptIsTheOneOfTheAuthorisedAttemptThatSucceeded() throws Exception {
    org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf(false)
        .setMaster("local[2,2]").setAppName("hdfs-commit-winner")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
        .set("spark.plugins", LocalSpark.PLUGIN)
        .set("spark.checkpointplus.audit.path", audit().toString())
        .set("spark.checkpointplus.reuse.enabled", "false")
        .set("spark.checkpointplus.files.verify", "checksum");
    sc = new org.apache.spark.SparkContext(conf);
    AtomicInteger failed = new AtomicInteger();
    String dir = CommitWinnerTest.checkpointCommittedTwice(sc, hdfs("/checkpoints/winner"),
        failed);
    assertTrue(dir.startsWith("hdfs://"), dir);
    assertEquals(1, failed.get(), "attempt 0 failed after its commit and was retried");
    CommitWinnerTest.assertKeptFileIsTheWinners(sc, dir);
  }

  private static List<Integer> sorted(List<Integer> values) {
    List<Integer> copy = new ArrayList<>(values);
    Collections.sort(copy);
    return copy;
  }
}
