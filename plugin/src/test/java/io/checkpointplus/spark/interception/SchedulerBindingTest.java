package io.checkpointplus.spark.interception;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Properties;
import org.apache.spark.TaskContext;
import org.apache.spark.partial.ApproximateEvaluator;
import org.apache.spark.partial.PartialResult;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.DAGScheduler;
import org.apache.spark.scheduler.JobWaiter;
import org.apache.spark.util.CallSite;
import org.junit.jupiter.api.Test;
import scala.Function2;
import scala.collection.Iterator;
import scala.runtime.BoxedUnit;

/**
 * {@link JobInterceptingScheduler#requireOverrides}, the check {@link SchedulerSwap} makes before
 * building the scheduler: a subclass whose {@code runJob} takes the other Scala version's
 * {@code Seq} only overloads Spark's method (its jobs would bypass the interception) and is
 * refused; the same subclass with this Spark's {@code Seq}, and the real
 * {@link InterceptingDAGScheduler}, pass.
 */
class SchedulerBindingTest {

  @Test
  void aRunJobTakingTheOtherScalasSeqIsRefused() {
    UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class,
        () -> JobInterceptingScheduler.requireOverrides(
            sparksSeq() == scala.collection.Seq.class
                ? RunJobTakingImmutableSeq.class : RunJobTakingCollectionSeq.class));
    assertTrue(refused.getMessage().contains("does not override DAGScheduler.runJob["),
        refused.getMessage());
  }

  @Test
  void aRunJobTakingThisSparksSeqPasses() {
    assertDoesNotThrow(() -> JobInterceptingScheduler.requireOverrides(
        sparksSeq() == scala.collection.Seq.class
            ? RunJobTakingCollectionSeq.class : RunJobTakingImmutableSeq.class));
  }

  @Test
  void theInterceptingSchedulerBuiltForThisScalaPasses() {
    assertDoesNotThrow(
        () -> JobInterceptingScheduler.requireOverrides(InterceptingDAGScheduler.class));
  }

  /** The {@code Seq} of Spark's {@code runJob(rdd, func, partitions, ...)} on this line. */
  private static Class<?> sparksSeq() {
    Method runJob = Arrays.stream(DAGScheduler.class.getDeclaredMethods())
        .filter(m -> m.getName().equals("runJob")).findFirst().orElseThrow();
    Class<?> seq = runJob.getParameterTypes()[2];
    assertTrue(seq == scala.collection.Seq.class
        || seq == scala.collection.immutable.Seq.class, seq.getName());
    return seq;
  }

  /**
   * {@code runJob} with {@code scala.collection.Seq} (Scala 2.12's); {@code submitJob} with both
   * Seqs, so that only {@code runJob} decides. Never instantiated.
   */
  public static final class RunJobTakingCollectionSeq extends JobInterceptingScheduler {
    RunJobTakingCollectionSeq() {
      super(null, null, null, null);
    }

    public <T, U> void runJob(RDD<T> rdd, Function2<TaskContext, Iterator<T>, U> func,
        scala.collection.Seq<Object> partitions, CallSite callSite,
        Function2<Object, U, BoxedUnit> resultHandler, Properties properties) {
      throw new UnsupportedOperationException();
    }

    public <T, U> JobWaiter<U> submitJob(RDD<T> rdd, Function2<TaskContext, Iterator<T>, U> func,
        scala.collection.Seq<Object> partitions, CallSite callSite,
        Function2<Object, U, BoxedUnit> resultHandler, Properties properties) {
      throw new UnsupportedOperationException();
    }

    public <T, U> JobWaiter<U> submitJob(RDD<T> rdd, Function2<TaskContext, Iterator<T>, U> func,
        scala.collection.immutable.Seq<Object> partitions, CallSite callSite,
        Function2<Object, U, BoxedUnit> resultHandler, Properties properties) {
      throw new UnsupportedOperationException();
    }

    @Override
    public <T, U, R> PartialResult<R> runApproximateJob(RDD<T> rdd,
        Function2<TaskContext, Iterator<T>, U> func, ApproximateEvaluator<U, R> evaluator,
        CallSite callSite, long timeout, Properties properties) {
      throw new UnsupportedOperationException();
    }
  }

  /** As {@link RunJobTakingCollectionSeq}, {@code runJob} with Scala 2.13's immutable Seq. */
  public static final class RunJobTakingImmutableSeq extends JobInterceptingScheduler {
    RunJobTakingImmutableSeq() {
      super(null, null, null, null);
    }

    public <T, U> void runJob(RDD<T> rdd, Function2<TaskContext, Iterator<T>, U> func,
        scala.collection.immutable.Seq<Object> partitions, CallSite callSite,
        Function2<Object, U, BoxedUnit> resultHandler, Properties properties) {
      throw new UnsupportedOperationException();
    }

    public <T, U> JobWaiter<U> submitJob(RDD<T> rdd, Function2<TaskContext, Iterator<T>, U> func,
        scala.collection.Seq<Object> partitions, CallSite callSite,
        Function2<Object, U, BoxedUnit> resultHandler, Properties properties) {
      throw new UnsupportedOperationException();
    }

    public <T, U> JobWaiter<U> submitJob(RDD<T> rdd, Function2<TaskContext, Iterator<T>, U> func,
        scala.collection.immutable.Seq<Object> partitions, CallSite callSite,
        Function2<Object, U, BoxedUnit> resultHandler, Properties properties) {
      throw new UnsupportedOperationException();
    }

    @Override
    public <T, U, R> PartialResult<R> runApproximateJob(RDD<T> rdd,
        Function2<TaskContext, Iterator<T>, U> func, ApproximateEvaluator<U, R> evaluator,
        CallSite callSite, long timeout, Properties properties) {
      throw new UnsupportedOperationException();
    }
  }
}
