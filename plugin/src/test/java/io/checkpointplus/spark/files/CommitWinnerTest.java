package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/**
 * Defect 7 on local disk: of two attempts of one partition that both commit, the file kept is
 * the one of the attempt Spark's {@code OutputCommitCoordinator} authorised last, whose task
 * succeeded and whose bytes the manifest describes.
 *
 * <p>How two attempts both commit, on Spark 3.5.9: the first attempt of partition 0 is
 * authorised, stores its file, and then fails (a task-completion listener throws, as an
 * executor lost right after the commit would). The coordinator then clears its lock
 * ({@code OutputCommitCoordinator.taskCompleted}) and authorises the retry. Each attempt writes
 * its own records ({@code x * 10 + attemptNumber}), so the bytes tell who won. Before the fix
 * the retry kept the failed attempt's file while the manifest took the retry's CRC32C: the
 * checkpoint then failed its own verification forever.
 */
class CommitWinnerTest extends WithLocalSpark {
  static final int RECORDS = 4_000;

  /** Runs one checkpoint under {@code root} whose partition 0 commits twice; returns its dir. */
  static String checkpointCommittedTwice(SparkContext sc, String root, AtomicInteger failed)
      throws Exception {
    sc.setCheckpointDir(root);
    sc.addSparkListener(new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd end) {
        if (!end.taskInfo().successful()) {
          failed.incrementAndGet();
        }
      }
    });
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(
        IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()), 4).map(x -> {
          TaskContext ctx = TaskContext.get();
          // stage 0 is the action, stage 1 the checkpoint job (reuse off: it computes again)
          if (ctx.stageId() == 1 && ctx.partitionId() == 0 && ctx.attemptNumber() == 0
              && x == 0) {
            ctx.addTaskCompletionListener((TaskContext c) -> {
              throw new IllegalStateException("attempt 0 lost right after its commit");
            });
          }
          return x * 10 + ctx.attemptNumber();
        });
    rdd.checkpoint();
    assertEquals(RECORDS, rdd.count());
    sc.listenerBus().waitUntilEmpty();
    assertTrue(rdd.isCheckpointed());
    return rdd.getCheckpointFile().get();
  }

  /**
   * The stored part files match the manifest byte for byte (size and CRC32C), and partition 0
   * holds the records of the attempt that succeeded (attempt 1).
   */
  static void assertKeptFileIsTheWinners(SparkContext sc, String dir) throws Exception {
    Path rddDir = new Path(dir);
    FileSystem fs = rddDir.getFileSystem(sc.hadoopConfiguration());
    CheckpointFileManager files = new CheckpointFileManager(rddDir, sc.hadoopConfiguration(),
        CommitMode.AUTO);
    CheckpointManifest manifest = files.readManifest().orElseThrow();
    assertEquals(4, manifest.partitions().size());
    for (CheckpointManifest.Entry e : manifest.partitions()) {
      byte[] stored;
      try (FSDataInputStream in = fs.open(new Path(rddDir, e.file()))) {
        stored = in.readAllBytes();
      }
      CRC32C crc = new CRC32C();
      crc.update(stored);
      assertEquals(e.bytes(), stored.length, "size of the stored " + e.file());
      assertEquals(Long.toHexString(e.crc32c()), Long.toHexString(crc.getValue()),
          "CRC32C of the stored " + e.file() + " against the manifest");
    }
    assertEquals(List.of("_checkpoint-manifest.json", "part-00000", "part-00001", "part-00002",
        "part-00003"), files.fileNames(), "no attempt files left");
    List<Integer> partitionZero = new ArrayList<>(new JavaRDD<Integer>(
        sc.<Integer>checkpointFile(dir, ClassTag$.MODULE$.apply(Integer.class)),
        ClassTag$.MODULE$.apply(Integer.class)).glom().first());
    assertEquals(IntStream.range(0, RECORDS / 4).map(x -> x * 10 + 1).boxed()
        .collect(Collectors.toList()), partitionZero,
        "partition 0 holds the records of attempt 1, the authorised attempt that succeeded");
  }

  @Test
  void onLocalDiskTheFileKeptIsTheOneTheManifestDescribes() throws Exception {
    SparkConf conf = new SparkConf(false).setMaster("local[2,2]").setAppName("commit-winner")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
        .set("spark.plugins", LocalSpark.PLUGIN)
        .set("spark.checkpointplus.audit.path", audit().toString())
        .set("spark.checkpointplus.reuse.enabled", "false")
        .set("spark.checkpointplus.files.verify", "checksum");
    sc = new SparkContext(conf);
    AtomicInteger failed = new AtomicInteger();
    String dir = checkpointCommittedTwice(sc, tmp.resolve("cp").toUri().toString(), failed);
    assertEquals(1, failed.get(), "attempt 0 failed after its commit and was retried");
    assertKeptFileIsTheWinners(sc, dir);
  }
}
