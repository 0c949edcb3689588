package io.checkpointplus.spark.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * After the job: a checkpoint the plugin adds beyond Spark's own rule never fails the action;
 * a cancelled checkpoint job reaches the caller as stock Spark's does, whatever the parallelism.
 */
class PlanFailureTest extends WithLocalSpark {

  /** Java serialization, under which {@link Unserializable} records fail (Kryo writes them). */
  private static final String JAVA_SERIALIZER = "org.apache.spark.serializer.JavaSerializer";

  /** Not serializable: a checkpoint of an RDD of these fails, as in stock Spark. */
  static final class Unserializable {
    final int value;

    Unserializable(int value) {
      this.value = value;
    }
  }

  private static List<Integer> numbers() {
    return IntStream.range(0, 100).boxed().collect(Collectors.toList());
  }

  @ParameterizedTest(name = "parallelism={0}")
  @ValueSource(strings = {"1", "4"})
  void failedWriteOfAnAncestorTheApplicationDidNotNeedNowDoesNotFailTheAction(String par) {
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpointplus.ancestors.parallelism", par,
        "spark.serializer", JAVA_SERIALIZER));
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<Unserializable> parent = new JavaSparkContext(sc).parallelize(numbers(), 2)
        .map(Unserializable::new);
    parent.checkpoint();
    JavaRDD<Integer> child = parent.map(u -> u.value);
    child.checkpoint();

    assertEquals(100, child.count(), "stock Spark checkpoints only child, and succeeds");
    assertTrue(child.isCheckpointed());
    assertFalse(parent.isCheckpointed());
    assertEquals(1, LocalSpark.events(audit(), "checkpoint.failed").size());
  }

  /** The stage of the application's own job; tasks of any later stage block until killed. */
  private static final AtomicInteger FIRST_STAGE = new AtomicInteger(-1);

  private static Integer blockingOutsideFirstStage(Integer x) throws InterruptedException {
    int stage = org.apache.spark.TaskContext.get().stageId();
    if (!FIRST_STAGE.compareAndSet(-1, stage) && FIRST_STAGE.get() != stage) {
      new java.util.concurrent.CountDownLatch(1).await(); // a checkpoint job: until cancelled
    }
    return x;
  }

  /** The exception a cancelled checkpoint job gives the caller, with or without the plugin. */
  private static Class<?> cancelCheckpointJob(SparkContext context, String checkpointDir) {
    FIRST_STAGE.set(-1);
    context.setCheckpointDir(checkpointDir);
    JavaSparkContext jsc = new JavaSparkContext(context);
    AtomicInteger jobs = new AtomicInteger();
    context.addSparkListener(new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        if (jobs.incrementAndGet() == 2) { // the first checkpoint job
          context.cancelJobGroup("g");
        }
      }
    });
    JavaRDD<Integer> a = jsc.parallelize(numbers(), 2).map(PlanFailureTest::blockingOutsideFirstStage);
    JavaRDD<Integer> b = jsc.parallelize(numbers(), 2).map(PlanFailureTest::blockingOutsideFirstStage);
    a.checkpoint();
    b.checkpoint();
    context.setJobGroup("g", "cancelled while checkpointing", true);
    try {
      a.union(b).count();
      return null;
    } catch (Exception e) {
      return e.getClass();
    }
  }

  @ParameterizedTest(name = "parallelism={0}")
  @ValueSource(strings = {"1", "4"})
  void cancellingTheJobGroupCancelsCheckpointJobsWithStocksException(String par) {
    sc = LocalSpark.stock(Map.of());
    Class<?> stock = cancelCheckpointJob(sc, tmp.resolve("stock").toString());
    LocalSpark.stop(sc);
    // Without reuse the checkpoint jobs compute their partitions, in a stage of their own.
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpointplus.ancestors.parallelism", par,
        "spark.checkpointplus.reuse.enabled", "false"));
    Class<?> plugin = cancelCheckpointJob(sc, tmp.resolve("plugin").toString());

    assertEquals(SparkException.class, stock);
    assertEquals(stock, plugin);
  }

  // --- A write retried after a failure starts clean; writes cancelled by a failure are retried.

  private static final AtomicInteger FIRST_WRITE_STAGE = new AtomicInteger(-1);
  private static final java.util.concurrent.CountDownLatch PARTITION_0_DONE =
      new java.util.concurrent.CountDownLatch(1);

  /**
   * A record that says which stage computed it. In the second stage computing it (the
   * ancestor's first checkpoint job), partition 3 fails once partition 0's file is committed.
   */
  private static String stamped(Integer x) throws InterruptedException {
    org.apache.spark.TaskContext ctx = org.apache.spark.TaskContext.get();
    int stage = ctx.stageId();
    if (FIRST_STAGE.compareAndSet(-1, stage) || FIRST_STAGE.get() == stage) {
      return x + "@" + stage;
    }
    FIRST_WRITE_STAGE.compareAndSet(-1, stage);
    if (stage == FIRST_WRITE_STAGE.get()) {
      if (ctx.partitionId() == 0) {
        ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> PARTITION_0_DONE.countDown());
      }
      if (ctx.partitionId() == 3) {
        PARTITION_0_DONE.await(60, java.util.concurrent.TimeUnit.SECONDS);
        throw new IllegalStateException("transient failure in the ancestor's first write");
      }
    }
    return x + "@" + stage;
  }

  @org.junit.jupiter.api.Test
  void aWriteRetriedAfterAFailedOneHoldsOnlyItsOwnPartitions() {
    FIRST_STAGE.set(-1);
    FIRST_WRITE_STAGE.set(-1);
    sc = LocalSpark.withPlugin(audit(), Map.of());
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<String> a = new JavaSparkContext(sc).parallelize(numbers().subList(0, 8), 4)
        .map(PlanFailureTest::stamped);
    a.checkpoint();
    JavaRDD<String> b = a.map(s -> s + "!");
    b.checkpoint();
    assertEquals(8, b.count(), "a's failed write is the policy's, not the action's");
    assertTrue(b.isCheckpointed());
    assertFalse(a.isCheckpointed(), "a stays marked for a later job");

    assertEquals(8, a.count());
    assertTrue(a.isCheckpointed());
    java.util.Set<String> stages = a.collect().stream().map(s -> s.substring(s.indexOf('@')))
        .collect(Collectors.toSet());
    assertEquals(1, stages.size(), () -> "one write's records, not a mix: " + a.collect());
  }

  private static volatile boolean blockSiblingWrite;

  /** In a write job while {@link #blockSiblingWrite}: runs until its job is cancelled. */
  private static Integer untilCancelledWhileBlocked(Integer x) {
    org.apache.spark.TaskContext ctx = org.apache.spark.TaskContext.get();
    int stage = ctx.stageId();
    if (!FIRST_STAGE.compareAndSet(-1, stage) && FIRST_STAGE.get() != stage
        && blockSiblingWrite) {
      while (!ctx.isInterrupted()) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
    }
    return x;
  }

  @org.junit.jupiter.api.Test
  void aSiblingWriteCancelledByAFailedOneIsWrittenByTheNextJob() {
    FIRST_STAGE.set(-1);
    blockSiblingWrite = true;
    // Without reuse the first job computes both in one stage, and the writes in stages of their own.
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpointplus.reuse.enabled", "false",
        "spark.serializer", JAVA_SERIALIZER));
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaRDD<Object> failing = jsc.parallelize(numbers().subList(0, 8), 2)
        .map(x -> (Object) new Unserializable(x));
    failing.checkpoint();
    // One partition: the other core stays free for the failing write's tasks.
    JavaRDD<Object> sibling = jsc.parallelize(numbers().subList(0, 8), 1)
        .map(PlanFailureTest::untilCancelledWhileBlocked).map(x -> (Object) x);
    sibling.checkpoint();

    assertThrows(SparkException.class, () -> failing.union(sibling).count(),
        "the failed write of a checkpoint Spark writes fails the action, as in Spark");
    blockSiblingWrite = false;
    assertEquals(8, sibling.count());
    assertTrue(sibling.isCheckpointed(), "Spark never started it, and writes it now");
  }
  // --- An interrupted caller (Spark Streaming's stop(stopGracefully = false) interrupts its job
  // threads) returns with Spark's InterruptedException, and the plugin's writes are cancelled.

  private static volatile java.util.concurrent.CountDownLatch writeRunning;
  private static volatile java.util.concurrent.CountDownLatch writeKilled;

  /** In a checkpoint job (any stage after the first): runs until the task is killed. */
  private static Integer untilKilledInWrite(Integer x) {
    org.apache.spark.TaskContext ctx = org.apache.spark.TaskContext.get();
    int stage = ctx.stageId();
    if (!FIRST_STAGE.compareAndSet(-1, stage) && FIRST_STAGE.get() != stage) {
      writeRunning.countDown();
      while (!ctx.isInterrupted()) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      writeKilled.countDown();
    }
    return x;
  }

  @ParameterizedTest(name = "parallelism={0}")
  @ValueSource(strings = {"1", "4"})
  void anInterruptedCallerReturnsAndItsCheckpointJobsAreCancelled(String par) throws Exception {
    FIRST_STAGE.set(-1);
    writeRunning = new java.util.concurrent.CountDownLatch(1);
    writeKilled = new java.util.concurrent.CountDownLatch(1);
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpointplus.ancestors.parallelism", par,
        "spark.checkpointplus.reuse.enabled", "false"));
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaRDD<Integer> a = jsc.parallelize(numbers(), 2).map(PlanFailureTest::untilKilledInWrite);
    JavaRDD<Integer> b = jsc.parallelize(numbers(), 2).map(x -> x + 1);
    a.checkpoint();
    b.checkpoint();
    java.util.concurrent.CompletableFuture<Throwable> caught = new java.util.concurrent
        .CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try {
        a.union(b).count();
        caught.complete(null);
      } catch (Throwable t) {
        caught.complete(t);
      }
    }, "interrupted-caller");
    caller.start();
    writeRunning.await();
    caller.interrupt();

    Throwable t = caught.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertTrue(t instanceof InterruptedException, () -> "Spark's runJob throws "
        + "InterruptedException to an interrupted caller; got " + t);
    assertTrue(writeKilled.await(60, java.util.concurrent.TimeUnit.SECONDS),
        "the checkpoint job was cancelled, not left running");
    assertEquals(100L, jsc.parallelize(numbers(), 2).count(), "Spark goes on");
  }
}
