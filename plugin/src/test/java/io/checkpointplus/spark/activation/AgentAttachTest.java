package io.checkpointplus.spark.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.HashPartitioner;
import org.apache.spark.Partition;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;

/**
 * The Java agent and jobs that other threads submit while it attaches: every job completes, on a
 * real {@code local[2]} SparkContext, whatever the interleaving.
 */
class AgentAttachTest extends WithLocalSpark {
  /** Generous: a job of a few records takes milliseconds; only a lost job takes this long. */
  private static final long JOB_TIMEOUT_S = 60;

  private final ExecutorService submitters = Executors.newCachedThreadPool();

  @AfterEach
  void stopSubmitters() {
    submitters.shutdownNow();
  }

  /**
   * The worst interleaving, made deterministic: a thread is inside {@code DAGScheduler.submitJob}
   * (it read {@code sc.dagScheduler()} and is computing the partitions of a shuffle's parent)
   * when the agent attaches; its job gets its id and is posted only after the attach returned.
   */
  @Test
  void aJobWhoseSubmissionStraddlesTheAttachCompletes() throws Exception {
    sc = LocalSpark.stock(Map.of());
    GatedPartitionsRDD.entered = new CountDownLatch(1);
    GatedPartitionsRDD.release = new CountDownLatch(1);
    JavaRDD<Integer> gated = JavaRDD.fromRDD(new GatedPartitionsRDD(sc),
        ClassTag$.MODULE$.apply(Integer.class));
    Future<Long> straddling = submitters.submit(() -> gated
        .mapToPair(x -> new Tuple2<>(x % 2, x)).reduceByKey(new HashPartitioner(2), Integer::sum)
        .count());
    assertTrue(GatedPartitionsRDD.entered.await(JOB_TIMEOUT_S, TimeUnit.SECONDS));

    CheckpointPlusAgent.attach(sc);
    GatedPartitionsRDD.release.countDown();

    assertEquals(2L, await(straddling), "the job submitted across the attach");
    assertEquals(4L, await(submitters.submit(() -> smallCount(sc))), "a job after the attach");
  }

  /** Many repetitions of threads submitting jobs (blocking and asynchronous) during the attach. */
  @Test
  void jobsSubmittedConcurrentlyWithTheAttachAllComplete() throws Exception {
    int threads = 4;
    int jobsPerThread = 5;
    for (int repetition = 0; repetition < 8; repetition++) {
      sc = LocalSpark.stock(Map.of());
      SparkContext context = sc;
      CyclicBarrier start = new CyclicBarrier(threads + 1);
      List<Future<List<Long>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        boolean async = t % 2 == 0;
        results.add(submitters.submit(() -> {
          start.await();
          List<Long> counts = new ArrayList<>();
          for (int j = 0; j < jobsPerThread; j++) {
            counts.add(async ? smallRdd(context).countAsync().get() : smallCount(context));
          }
          return counts;
        }));
      }
      start.await(JOB_TIMEOUT_S, TimeUnit.SECONDS);
      CheckpointPlusAgent.attach(sc);
      for (Future<List<Long>> result : results) {
        assertEquals(List.of(4L, 4L, 4L, 4L, 4L), await(result),
            "repetition " + repetition);
      }
      assertEquals(4L, await(submitters.submit(() -> smallCount(context))),
          "a job after the attach, repetition " + repetition);
      LocalSpark.stop(sc);
      sc = null;
    }
  }

  private static JavaRDD<Integer> smallRdd(SparkContext sc) {
    return new JavaSparkContext(sc).parallelize(List.of(1, 2, 3, 4), 2).map(x -> x * 2);
  }

  private static long smallCount(SparkContext sc) {
    return smallRdd(sc).count();
  }

  private static <T> T await(Future<T> job) throws Exception {
    try {
      return job.get(JOB_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      job.cancel(true);
      return fail("a job submitted around the agent's attach did not complete within "
          + JOB_TIMEOUT_S + " s: it was lost");
    }
  }

  /**
   * Two partitions whose computation on the driver waits for the test: {@code getPartitions()}
   * runs inside {@code DAGScheduler.submitJob} when the RDD is a shuffle's parent.
   */
  static final class GatedPartitionsRDD extends RDD<Integer> {
    static volatile CountDownLatch entered;
    static volatile CountDownLatch release;

    @SuppressWarnings({"unchecked", "rawtypes"})
    GatedPartitionsRDD(SparkContext sc) {
      super(sc, (scala.collection.Seq) scala.collection.immutable.Nil$.MODULE$,
          ClassTag$.MODULE$.apply(Integer.class));
    }

    @Override
    public scala.collection.Iterator<Integer> compute(Partition split, TaskContext context) {
      return JavaConverters.asScalaIterator(List.of(split.index(), split.index() + 2).iterator());
    }

    @Override
    public Partition[] getPartitions() {
      entered.countDown();
      try {
        if (!release.await(JOB_TIMEOUT_S, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never released the partitions");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return new Partition[] {new Index(0), new Index(1)};
    }
  }

  private static final class Index implements Partition {
    private final int index;

    Index(int index) {
      this.index = index;
    }

    @Override
    public int index() {
      return index;
    }
  }
}
