package io.checkpointplus.spark.policy;

import io.checkpointplus.spark.checkpoint.PluginCheckpointData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.RDDCheckpointData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Checkpoints a job's {@link CheckpointPlan} once the job has run: every RDD after its planned
 * parents, independent RDDs concurrently, at most {@code parallelism} checkpoint jobs at once.
 *
 * <p>Failures behave as in Spark where Spark would have written the checkpoint: the first failed
 * write of a {@linkplain CheckpointPlan#required required} RDD is rethrown to the action,
 * unchanged (a cancelled job's {@code SparkException}, say). A failed write of an RDD the policy
 * added is recorded by the writer, logged, and the RDD stays marked for a later job.
 *
 * <p>Concurrent writes run on threads with the submitting thread's Spark local properties (job
 * group, job tags, scheduler pool, streaming batch), so cancelling the application's job group
 * cancels them too. The plan's jobs are also marked as its own ({@link PlanJobs}): a caller
 * interrupted while waiting cancels exactly them and gets the {@link InterruptedException}, as
 * a caller of Spark's own checkpoint does.
 */
public final class PlanRunner {
  private static final Logger LOG = LoggerFactory.getLogger(PlanRunner.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final int parallelism;
  /** Where Spark Streaming's checkpoints go when written in the background; null: nowhere. */
  private final BackgroundCheckpoints background;

  public PlanRunner(int parallelism) {
    this(parallelism, null);
  }

  public PlanRunner(int parallelism, BackgroundCheckpoints background) {
    this.parallelism = parallelism;
    this.background = background;
  }

  public void run(SparkContext sc, CheckpointPlan plan) {
    List<RDD<?>> order = plan.order();
    if (order.isEmpty() || inBackground(sc, plan)) {
      return;
    }
    String previous = sc.getLocalProperty(CheckpointPlan.PLAN_ID_PROPERTY);
    sc.setLocalProperty(CheckpointPlan.PLAN_ID_PROPERTY, String.valueOf(plan.id()));
    try {
      runPlan(sc, plan);
    } finally {
      sc.setLocalProperty(CheckpointPlan.PLAN_ID_PROPERTY, previous);
    }
  }

  /**
   * Before a job, on its thread: background writes that completed become their RDDs'
   * checkpoints; a failed one that Spark would have written fails this job (a Spark Streaming
   * batch's), as it would have failed its own batch without the background write.
   */
  public void beforeJob(Properties properties) {
    if (background != null) {
      background.beforeJob(properties);
    }
  }

  /** Whether the plan of a Spark Streaming batch went to the background writer. */
  private boolean inBackground(SparkContext sc, CheckpointPlan plan) {
    if (background == null) {
      return false;
    }
    try {
      return background.offer(sc, plan, sc.getLocalProperties());
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus could not write a batch's checkpoints in the background;"
          + " they are written now, as without it: {}", t.toString());
      return false;
    }
  }

  private void runPlan(SparkContext sc, CheckpointPlan plan) {
    List<RDD<?>> order = plan.order();
    Throwable failure;
    try (PlanJobs jobs = PlanJobs.open(sc)) {
      failure = parallelism == 1 || order.size() == 1
          ? runInOrder(plan, jobs) : runConcurrently(sc, plan, jobs);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      // The plugin's own scheduling failed: never the application's problem.
      LOG.warn("spark-checkpoint-plus could not run the checkpoints planned after a job; Spark's"
          + " own checkpoint step follows: {}", t.toString());
      return;
    }
    if (failure != null) {
      throw PlanRunner.<RuntimeException>rethrow(failure);
    }
  }

  /** On the caller's thread, as Spark does; returns the first required failure. */
  private static Throwable runInOrder(CheckpointPlan plan, PlanJobs jobs) {
    return jobs.onCallingThread(() -> {
      for (RDD<?> rdd : plan.order()) {
        Throwable t = checkpoint(rdd, plan);
        if (t instanceof InterruptedException) {
          jobs.cancel(); // Spark's runJob leaves the job running; the plugin does not
        }
        if (t != null) {
          return t; // Spark stops at its first failed checkpoint too
        }
      }
      return null;
    });
  }

  private Throwable runConcurrently(SparkContext sc, CheckpointPlan plan, PlanJobs jobs) {
    Properties properties = jobs.marked(sc.getLocalProperties());
    Schedule schedule = new Schedule(plan);
    ExecutorService pool = Executors.newFixedThreadPool(
        Math.min(parallelism, plan.order().size()), r -> {
          Thread t = new Thread(r, "checkpoint-plus-writer-" + THREADS.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    try {
      schedule.startReady(pool, sc, properties);
      schedule.awaitDone(jobs::cancel);
      return schedule.firstFailure();
    } catch (InterruptedException e) {
      jobs.cancel();
      return e;
    } finally {
      pool.shutdownNow();
      awaitTermination(pool);
    }
  }

  /** Which planned RDDs are written, which are ready, and the first required failure. */
  private static final class Schedule {
    private final CheckpointPlan plan;
    private final Map<Integer, Set<Integer>> waitingOn = new HashMap<>();
    private final Set<Integer> started = new HashSet<>();
    private int running;
    private Throwable firstFailure;

    Schedule(CheckpointPlan plan) {
      this.plan = plan;
      for (RDD<?> rdd : plan.order()) {
        waitingOn.put(rdd.id(), new HashSet<>(plan.parents().getOrDefault(rdd.id(), Set.of())));
      }
    }

    synchronized void startReady(ExecutorService pool, SparkContext sc, Properties properties) {
      if (firstFailure != null) {
        return; // as Spark, write nothing more after a failure the action will see
      }
      List<RDD<?>> ready = new ArrayList<>();
      for (RDD<?> rdd : plan.order()) {
        if (!started.contains(rdd.id()) && waitingOn.get(rdd.id()).isEmpty()) {
          ready.add(rdd);
        }
      }
      for (RDD<?> rdd : ready) {
        started.add(rdd.id());
        running++;
        try {
          pool.execute(() -> {
          Properties own = new Properties();
          own.putAll(properties);
          Throwable t = null;
          try {
            sc.setLocalProperties(own);
            t = checkpoint(rdd, plan);
          } catch (Throwable fatal) {
            t = fatal; // e.g. an OutOfMemoryError: the caller rethrows it
          } finally {
            finished(rdd, t, pool, sc, properties);
          }
          });
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
          running--; // the runner is stopping (interrupted caller): never started
        }
      }
      notifyAll();
    }

    /**
     * One write ended: the RDDs it held back are started in the same step, so the waiting
     * caller never sees nothing running while planned writes are still to start.
     */
    private synchronized void finished(RDD<?> rdd, Throwable failure, ExecutorService pool,
        SparkContext sc, Properties properties) {
      running--;
      if (failure != null && firstFailure == null) {
        firstFailure = failure;
      } else if (failure != null) {
        // Cancelled because another write failed first: Spark would not have started it, and
        // writes it on a later job. So can the plugin.
        resetQuietly(rdd);
      }
      for (Set<Integer> parents : waitingOn.values()) {
        parents.remove(rdd.id());
      }
      startReady(pool, sc, properties);
      notifyAll();
    }

    /**
     * Waits for every started write. Once one failed in a way the action will see, the others
     * are cancelled, as Spark would not have started them; a write submitted just as the
     * cancellation went out is caught by the next round.
     */
    synchronized void awaitDone(Runnable cancel) throws InterruptedException {
      while (running > 0) {
        if (firstFailure != null) {
          cancel.run();
          wait(200);
        } else {
          wait();
        }
      }
    }

    synchronized Throwable firstFailure() {
      return firstFailure;
    }
  }

  /**
   * Spark's own entry point: flips the state, writes, truncates lineage; a no-op if another job
   * did it. Returns the failure the action must see, or null.
   */
  private static Throwable checkpoint(RDD<?> rdd, CheckpointPlan plan) {
    Option<? extends RDDCheckpointData<?>> data = rdd.checkpointData();
    try {
      data.get().checkpoint();
      return null;
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      if (plan.required().contains(rdd.id()) || t instanceof InterruptedException) {
        return t; // an interrupted caller gets its InterruptedException, as from Spark
      }
      LOG.warn("Checkpoint of RDD {} (an ancestor checkpointed by the plugin's policy) failed;"
          + " the action goes on and the RDD stays marked: {}", rdd.id(), t.toString());
      resetQuietly(rdd);
      return null;
    }
  }

  /** Puts a plugin-written RDD whose write failed back to "marked" for a later job. */
  private static void resetQuietly(RDD<?> rdd) {
    if (rdd.checkpointData().isDefined()
        && rdd.checkpointData().get() instanceof PluginCheckpointData<?> plugin) {
      plugin.resetAfterFailure();
    }
  }

  /**
   * Gives the writers, whose jobs are finished or cancelled, a bounded time to end; a writer
   * stuck in a file system call that ignores interrupts is left behind (a daemon thread)
   * rather than holding the caller.
   */
  private static void awaitTermination(ExecutorService pool) {
    boolean interrupted = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!pool.isTerminated() && System.nanoTime() < deadline) {
      try {
        pool.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (!pool.isTerminated()) {
      LOG.warn("spark-checkpoint-plus checkpoint writers did not end within 30 s of their jobs");
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Rethrows {@code t} unchanged, checked or not (Spark's job failures are checked). */
  @SuppressWarnings("unchecked")
  static <E extends Throwable> E rethrow(Throwable t) throws E {
    throw (E) t;
  }
}
