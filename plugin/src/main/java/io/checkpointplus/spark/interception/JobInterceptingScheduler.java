package io.checkpointplus.spark.interception;

import io.checkpointplus.spark.files.CheckpointVerificationException;
import io.checkpointplus.spark.policy.PlanJobs;
import io.checkpointplus.spark.policy.PlanRunner;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.partial.ApproximateEvaluator;
import org.apache.spark.partial.PartialResult;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.DAGScheduler;
import org.apache.spark.scheduler.JobWaiter;
import org.apache.spark.util.CallSite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import scala.Function2;
import scala.collection.Iterator;

/**
 * Spark's own {@link DAGScheduler}, with the plugin's interceptor called on the submitting thread
 * before each job is handed to the event loop, and the job's checkpoint plan run after it. The
 * entry points that take a final RDD from {@code SparkContext} are covered: {@code runJob},
 * {@code submitJob} (asynchronous actions) and {@code runApproximateJob}. A failure inside the
 * interceptor is logged and the job proceeds as in stock Spark.
 *
 * <p>This class holds all of it but the two overrides whose parameter types differ between Scala
 * versions ({@code Seq} is {@code scala.collection.Seq} on 2.12 and
 * {@code scala.collection.immutable.Seq} on 2.13): {@link InterceptingDAGScheduler}, one source
 * per Scala version, only forwards them to {@link #interceptRunJob} and {@link #interceptSubmit}.
 * A method compiled for the other Scala would silently not override, so {@link #requireOverrides}
 * checks, before the scheduler is built, that every entry point this Spark calls is overridden.
 */
abstract class JobInterceptingScheduler extends DAGScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(JobInterceptingScheduler.class);

  /** The entry points the interception must override to see every job. */
  static final List<String> ENTRY_POINTS = List.of("runJob", "submitJob", "runApproximateJob");

  /** The RDD whose job {@code runJob} already prepared, so {@code submitJob} skips it. */
  private static final ThreadLocal<RDD<?>> PREPARED = new ThreadLocal<>();

  private final JobSubmissionInterceptor interceptor;
  private final PlanRunner planRunner;
  private final Consumer<Throwable> onFirstFailure;
  private final AtomicLong failures = new AtomicLong();

  JobInterceptingScheduler(SparkContext sc, JobSubmissionInterceptor interceptor,
      PlanRunner planRunner, Consumer<Throwable> onFirstFailure) {
    super(sc);
    this.interceptor = interceptor;
    this.planRunner = planRunner;
    this.onFirstFailure = onFirstFailure;
  }

  /**
   * Throws unless {@code scheduler} declares, with the exact parameter types this Spark uses,
   * every entry point of {@link #ENTRY_POINTS} that {@link DAGScheduler} declares. A jar built
   * for the other Scala version, or a vendor's Spark with other signatures, is refused here,
   * before anything is installed.
   */
  static void requireOverrides(Class<? extends DAGScheduler> scheduler) {
    for (Method spark : DAGScheduler.class.getDeclaredMethods()) {
      if (!ENTRY_POINTS.contains(spark.getName()) || spark.isSynthetic() || spark.isBridge()) {
        continue;
      }
      boolean overridden = false;
      // Up the hierarchy to DAGScheduler: an override may sit in this base class, and javac's
      // visibility bridges in the public subclass are no proof of anything.
      for (Class<?> c = scheduler; c != DAGScheduler.class; c = c.getSuperclass()) {
        overridden |= Arrays.stream(c.getDeclaredMethods())
            .anyMatch(m -> !m.isBridge() && m.getName().equals(spark.getName())
                && Arrays.equals(m.getParameterTypes(), spark.getParameterTypes()));
      }
      if (!overridden) {
        throw new UnsupportedOperationException("the interception does not bind to this Spark:"
            + " " + scheduler.getName() + " does not override DAGScheduler." + spark.getName()
            + Arrays.toString(spark.getParameterTypes()) + " (a jar built for another Scala or"
            + " Spark version?)");
      }
    }
  }

  /**
   * Every {@code SparkContext.runJob}: prepare, run, then checkpoint the plan, parents first and
   * in parallel, before SparkContext's own {@code rdd.doCheckpoint()} (which then finds the work
   * done). A failed write of a checkpoint Spark would write fails the action, as in stock Spark;
   * anything else the plugin does after the job never does. What was persisted for the plan is
   * released on every outcome.
   */
  final void interceptRunJob(RDD<?> rdd, Properties properties, Runnable runJob) {
    planRunner.beforeJob(properties);
    PreparedJob job = prepare(rdd, properties, true);
    try {
      PREPARED.set(rdd);
      try {
        runJob.run();
      } finally {
        PREPARED.remove();
      }
      planRunner.run(sc(), job.plan());
    } finally {
      interceptor.afterJob(job);
    }
  }

  /**
   * Every job submission ({@code runJob} submits through it too): asynchronous actions are
   * prepared here (Spark checkpoints nothing after them, and neither does the plugin); every
   * submitted job is then reported to {@link PlanJobs}, before anyone can wait on it, so that a
   * checkpoint plan's jobs can be cancelled on a Spark without job tags.
   */
  final <U> JobWaiter<U> interceptSubmit(RDD<?> rdd, Properties properties,
      Supplier<JobWaiter<U>> submitJob) {
    if (PREPARED.get() == rdd) {
      PREPARED.remove();
    } else {
      planRunner.beforeJob(properties); // an asynchronous action starts a job too
      prepare(rdd, properties, false);
    }
    JobWaiter<U> waiter = submitJob.get();
    PlanJobs.jobSubmitted(properties, waiter.jobId());
    return waiter;
  }

  @Override
  public <T, U, R> PartialResult<R> runApproximateJob(RDD<T> rdd,
      Function2<TaskContext, Iterator<T>, U> func, ApproximateEvaluator<U, R> evaluator,
      CallSite callSite, long timeout, Properties properties) {
    prepare(rdd, properties, false);
    return super.runApproximateJob(rdd, func, evaluator, callSite, timeout, properties);
  }

  /** Logs as Spark's DAGScheduler, so users' log configurations keep applying. */
  @Override
  public String logName() {
    return DAGScheduler.class.getName();
  }

  private PreparedJob prepare(RDD<?> rdd, Properties properties, boolean checkpointAfter) {
    try {
      return interceptor.beforeJob(rdd, properties, checkpointAfter);
    } catch (CheckpointVerificationException e) {
      throw e; // damaged data: the job must not read it
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      if (failures.getAndIncrement() == 0) {
        LOG.warn("spark-checkpoint-plus could not prepare a job on RDD {}; it runs as in stock"
            + " Spark (further failures are logged at debug level)", rdd.id(), t);
        try {
          onFirstFailure.accept(t);
        } catch (Throwable ignored) {
          // Reporting must not fail the job either.
        }
      } else {
        LOG.debug("spark-checkpoint-plus could not prepare a job on RDD {}", rdd.id(), t);
      }
      return PreparedJob.NOTHING;
    }
  }
}
