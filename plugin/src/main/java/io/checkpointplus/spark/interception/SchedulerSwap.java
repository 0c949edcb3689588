package io.checkpointplus.spark.interception;

import io.checkpointplus.spark.policy.PlanRunner;
import java.util.function.Consumer;
import org.apache.spark.SparkContext;
import org.apache.spark.metrics.MetricsSystem;
import org.apache.spark.scheduler.DAGScheduler;

/**
 * Puts an {@link InterceptingDAGScheduler} in place of SparkContext's scheduler. Called from
 * {@code DriverPlugin.registerMetrics}, the last step of the SparkContext constructor, on its
 * thread, before any application job can be submitted.
 */
public final class SchedulerSwap {
  private SchedulerSwap() {
  }

  /**
   * Installs the intercepting scheduler. On failure the original scheduler stays in charge and
   * the exception is rethrown for the caller to report.
   */
  public static InterceptingDAGScheduler install(SparkContext sc,
      JobSubmissionInterceptor interceptor, PlanRunner planRunner,
      Consumer<Throwable> onInterceptionFailure) {
    DAGScheduler original = sc.dagScheduler();
    InterceptingDAGScheduler replacement;
    try {
      // The constructor registers itself with the TaskScheduler and starts its event loop.
      replacement = new InterceptingDAGScheduler(sc, interceptor, planRunner,
          onInterceptionFailure);
    } catch (Throwable t) {
      sc.taskScheduler().setDAGScheduler(original);
      throw t;
    }
    sc.dagScheduler_$eq(replacement);
    // Stop only the old event loop: DAGScheduler.stop() would also stop the shared TaskScheduler.
    original.eventProcessLoop().stop();
    MetricsSystem metrics = sc.env().metricsSystem();
    metrics.removeSource(original.metricsSource());
    metrics.registerSource(replacement.metricsSource());
    return replacement;
  }
}
