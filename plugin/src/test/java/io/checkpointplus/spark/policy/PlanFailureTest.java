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
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpointplus.ancestors.parallelism", par));
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
}
