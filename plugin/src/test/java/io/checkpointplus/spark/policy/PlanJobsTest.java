package io.checkpointplus.spark.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A plan's jobs are cancelled, and only they, both by Spark's job tags (3.5 and later) and by
 * the tracked job ids Spark 3.4 needs (run on every line, so the 3.4 way is tested everywhere).
 */
class PlanJobsTest extends WithLocalSpark {
  private static volatile CountDownLatch markedRunning;
  private static volatile CountDownLatch otherRunning;
  private static volatile CountDownLatch releaseOther;

  /** A task of a plan's job: runs until its job is cancelled. */
  private static Integer untilKilled(Integer x) {
    markedRunning.countDown();
    TaskContext ctx = TaskContext.get();
    while (!ctx.isInterrupted()) {
      LockSupport.parkNanos(1_000_000);
    }
    return x;
  }

  /** A task of the application's own job: runs until the test releases it. */
  private static Integer untilReleased(Integer x) throws InterruptedException {
    otherRunning.countDown();
    assertTrue(releaseOther.await(60, TimeUnit.SECONDS), "released by the test");
    return x;
  }

  private static Function<SparkContext, PlanJobs> opener(String mode) {
    return "tags".equals(mode) ? PlanJobs::open : PlanJobs::openTrackingJobIds;
  }

  @Test
  void sparkHasJobTagsFrom35On() {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    assertEquals(!sc.version().startsWith("3.4."), PlanJobs.sparkHasJobTags(),
        "job tags are taken wherever this Spark (" + sc.version() + ") has them");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tags", "job ids"})
  void cancelStopsThePlansJobAndLeavesTheApplicationsRunning(String mode) throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    assumeTrue(!"tags".equals(mode) || PlanJobs.sparkHasJobTags(), "Spark 3.4 has no job tags");
    markedRunning = new CountDownLatch(1);
    otherRunning = new CountDownLatch(1);
    releaseOther = new CountDownLatch(1);
    JavaSparkContext jsc = new JavaSparkContext(sc);
    try (PlanJobs jobs = opener(mode).apply(sc)) {
      CompletableFuture<Long> plans = CompletableFuture.supplyAsync(() -> jobs.onCallingThread(
          () -> jsc.parallelize(List.of(1), 1).map(PlanJobsTest::untilKilled).count()));
      CompletableFuture<Long> applications = CompletableFuture.supplyAsync(
          () -> jsc.parallelize(List.of(1), 1).map(PlanJobsTest::untilReleased).count());
      assertTrue(markedRunning.await(60, TimeUnit.SECONDS));
      assertTrue(otherRunning.await(60, TimeUnit.SECONDS));

      jobs.cancel();

      ExecutionException cancelled = org.junit.jupiter.api.Assertions.assertThrows(
          ExecutionException.class, () -> plans.get(60, TimeUnit.SECONDS));
      assertTrue(cancelled.getCause() instanceof SparkException, cancelled::toString);
      releaseOther.countDown(); // after the cancellation: had it hit this job, the job failed
      assertEquals(1L, applications.get(60, TimeUnit.SECONDS), "the application's job goes on");
    }
  }

  @Test
  void aJobOfACancelledPlanSubmittedAfterwardsIsCancelledWhereIdsAreTracked() {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    markedRunning = new CountDownLatch(1);
    JavaSparkContext jsc = new JavaSparkContext(sc);
    try (PlanJobs jobs = PlanJobs.openTrackingJobIds(sc)) {
      jobs.cancel();
      SparkException e = org.junit.jupiter.api.Assertions.assertThrows(SparkException.class,
          () -> jobs.onCallingThread(
              () -> jsc.parallelize(List.of(1), 1).map(PlanJobsTest::untilKilled).count()));
      assertTrue(e.getMessage().contains("cancel"), e::getMessage);
    }
    assertEquals(3L, jsc.parallelize(List.of(1, 2, 3), 2).count(), "Spark goes on");
  }
}
