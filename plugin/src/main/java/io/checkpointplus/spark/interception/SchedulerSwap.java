package io.checkpointplus.spark.interception;

import io.checkpointplus.spark.policy.PlanRunner;
import java.util.function.Consumer;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.apache.spark.metrics.MetricsSystem;
import org.apache.spark.scheduler.DAGScheduler;
import scala.Option;

/**
 * Puts an {@link InterceptingDAGScheduler} in place of SparkContext's scheduler. Called from
 * {@code DriverPlugin.registerMetrics}, the last step of the SparkContext constructor, on its
 * thread, before any application job can be submitted.
 *
 * <p>Only then is the swap safe. Once the context is running, another thread may have read
 * {@code sc.dagScheduler()} and still be inside {@code DAGScheduler.submitJob}: its job would be
 * posted to the old scheduler after the swap, and lost (the old event loop is stopped) or never
 * completed (the shared TaskScheduler reports task events to the new scheduler). No check can
 * rule that thread out, so {@link #install} refuses a context that is already running or has
 * run a job, and the caller fails open.
 */
public final class SchedulerSwap {
  private SchedulerSwap() {
  }

  /**
   * Throws unless the intercepting scheduler overrides every entry point of the running Spark's
   * {@link DAGScheduler} with its exact signatures (see
   * {@link JobInterceptingScheduler#requireOverrides}). Has no side effect: callers run it before
   * anything else they install.
   */
  public static void requireBinding() {
    JobInterceptingScheduler.requireOverrides(InterceptingDAGScheduler.class);
  }

  /**
   * Installs the intercepting scheduler while {@code sc} is being constructed. On failure, or
   * when called on a running context or one that has run a job, the original scheduler stays in
   * charge and the exception is rethrown for the caller to report.
   */
  public static InterceptingDAGScheduler install(SparkContext sc,
      JobSubmissionInterceptor interceptor, PlanRunner planRunner,
      Consumer<Throwable> onInterceptionFailure) {
    Option<SparkContext> active = SparkContext$.MODULE$.getActive();
    if (active.isDefined() && active.get() == sc) {
      throw new IllegalStateException("SparkContext " + sc.applicationId() + " is already"
          + " running: swapping its scheduler could lose jobs other threads are submitting");
    }
    requireBinding();
    DAGScheduler original = sc.dagScheduler();
    if (original.numTotalJobs() > 0) {
      throw new IllegalStateException("SparkContext " + sc.applicationId() + " has already run "
          + original.numTotalJobs() + " job(s): its scheduler is not swapped");
    }
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
