package io.checkpointplus.spark.policy;

import io.checkpointplus.spark.checkpoint.CheckpointWriter;
import io.checkpointplus.spark.checkpoint.PluginCheckpointData;
import io.checkpointplus.spark.checkpoint.ReuseLedger;
import io.checkpointplus.spark.checkpoint.SparkInternals;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.SparkContext;
import org.apache.spark.rdd.CheckpointRDD;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spark Streaming's state checkpoints written off the batch's critical path
 * ({@code spark.checkpointplus.streaming.backgroundWrite}). After a batch's job, the RDDs its
 * plan checkpoints, when every one is the RDD of a DStream with a checkpoint interval, are
 * {@linkplain PluginCheckpointData#claim claimed} on the job's thread, so Spark's own
 * {@code rdd.doCheckpoint()} finds them taken, and their files are written on one background
 * thread from the blocks the batch persisted. Complete files become the RDD's checkpoint
 * ({@link PluginCheckpointData#publish}: lineage truncated) on a streaming job's thread, before
 * or after one of its jobs, where Spark's own {@code checkpoint()} runs: never while a job is
 * being scheduled on the RDD (truncating then is what SPARK-23053 and SPARK-46861 were about).
 *
 * <p>Why Spark Streaming's metadata checkpoint can never name an incomplete state checkpoint:
 * {@code DStreamCheckpointData.update}, run for each {@code DoCheckpoint} event, records only the
 * generated RDDs whose {@code getCheckpointFile} is defined, and the plugin's checkpoint data
 * defines it only once published. Until then the metadata names the previous state checkpoint,
 * which Spark keeps ({@code rememberDuration} of a stateful stream is twice its checkpoint
 * interval, and {@code DStreamCheckpointData.cleanup} deletes only files older than the oldest
 * one the latest metadata names); a restart recomputes the batches after it from their input.
 *
 * <p>A batch waits, as every checkpoint batch waits in stock Spark, only when it has a new RDD
 * to write while an earlier batch's write is in flight: one batch's writes at a time, which
 * bounds how far lineage grows and keeps the input the restart needs within what Spark
 * remembers. A failed write of a checkpoint Spark itself would have written fails the next
 * streaming job of its StreamingContext on the job's thread, as the batch would have failed in
 * stock Spark; a context started after that one stopped does not see it.
 *
 * <p>With {@code spark.checkpointplus.rdd.backgroundWrite}, the same for a job outside Spark
 * Streaming whose planned RDDs the application persisted: the action returns once its job is
 * done. Such a
 * write reads only the blocks the job stored ({@link #CACHED_ONLY_PROPERTY}): records computed
 * again after the action returned could differ from the ones it saw (input rewritten, a random
 * step), so a partition whose block is gone fails the write, and the RDD, put back to marked,
 * is written by its next action. Its complete files are published before the next job of any
 * thread, as Spark's own {@code checkpoint()} runs at the end of one thread's job while others
 * may be scheduling; a failure is logged and audited and fails no job, since the application has
 * moved on from the action that asked for it.
 */
public final class BackgroundCheckpoints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundCheckpoints.class);
  /** Spark Streaming's job property: set on every job of a batch. */
  static final String BATCH_TIME_PROPERTY = "spark.streaming.internal.batchTime";
  /** How long the batch waited for the previous background write, on the write's events. */
  public static final String WAITED_MS_PROPERTY = "spark.checkpointplus.internal.batchWaitedMs";
  /** When the batch's job ended (epoch milliseconds), on the write's events. */
  public static final String BATCH_ENDED_PROPERTY = "spark.checkpointplus.internal.batchEndedAt";
  /** Set on the background write's jobs: the events say it was written in the background. */
  public static final String BACKGROUND_PROPERTY = "spark.checkpointplus.internal.background";
  /** Set on an RDD checkpoint's background write: only partitions read from blocks are written. */
  public static final String CACHED_ONLY_PROPERTY = "spark.checkpointplus.internal.cachedOnly";

  /** Whether Spark Streaming's batches, and jobs outside Spark Streaming, write in the background. */
  private final boolean streaming;
  private final boolean rdds;
  /** Tells the plugin's own persist of an RDD from the application's. */
  private final ReuseLedger reuse;

  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "checkpoint-plus-background");
    t.setDaemon(true);
    return t;
  });
  /** The latest submitted write and its batch. */
  private Future<?> inFlight;
  private long inFlightBatch = Long.MIN_VALUE;
  /** Complete writes of batches, waiting to be published on a streaming job's thread. */
  private final ConcurrentLinkedQueue<Runnable> complete = new ConcurrentLinkedQueue<>();
  /** Complete writes of RDD checkpoints, published before the next job of any thread. */
  private final ConcurrentLinkedQueue<Runnable> completeRdds = new ConcurrentLinkedQueue<>();
  /** A failed write of a checkpoint Spark would have written, for the next streaming job. */
  private final AtomicReference<Failure> failure = new AtomicReference<>();

  /**
   * A failed write and the StreamingContext of its batch: only a job of that context fails with
   * it, not one of a context started after it stopped on the same SparkContext.
   */
  private record Failure(Object streamingContext, Throwable error) {
  }

  /**
   * @param streaming whether Spark Streaming batches' checkpoints are written in the background
   * @param rdds whether those of jobs outside Spark Streaming are, when persisted
   * @param reuse the plugin's persists for checkpoints: an RDD only the plugin persisted is
   *     written before its action returns
   */
  public BackgroundCheckpoints(boolean streaming, boolean rdds, ReuseLedger reuse) {
    this.streaming = streaming;
    this.rdds = rdds;
    this.reuse = reuse;
  }

  private static long batchTime(Properties properties) {
    String batch = properties == null ? null : properties.getProperty(BATCH_TIME_PROPERTY);
    if (batch == null) {
      return Long.MIN_VALUE;
    }
    try {
      return Long.parseLong(batch);
    } catch (NumberFormatException e) {
      return Long.MIN_VALUE;
    }
  }

  /**
   * Before any job, on its thread: publishes complete RDD checkpoints; before a streaming job
   * also complete batch checkpoints, and fails the job with a required write's failure, once.
   */
  public void beforeJob(Properties properties) {
    if (CheckpointWriter.isCheckpointJob()) {
      return; // the plugin's own write jobs (a background write's among them) are not the app's
    }
    publish(completeRdds);
    if (batchTime(properties) == Long.MIN_VALUE) {
      return;
    }
    publish(complete);
    Failure failed = failure.getAndSet(null);
    if (failed != null) {
      if (failed.streamingContext() == SparkInternals.activeStreamingContext()) {
        throw PlanRunner.<RuntimeException>rethrow(failed.error());
      }
      LOG.info("spark-checkpoint-plus: the failed background write of a StreamingContext that"
          + " has stopped fails no batch of this one: {}", failed.error().toString());
    }
  }

  private static void publish(ConcurrentLinkedQueue<Runnable> writes) {
    for (Runnable publish; (publish = writes.poll()) != null; ) {
      try {
        publish.run();
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        LOG.warn("spark-checkpoint-plus could not make a background write the RDD's"
            + " checkpoint; the RDD keeps its lineage: {}", e.toString());
      }
    }
  }

  /** Publishes the complete writes a job of this kind may publish. */
  private void publishComplete(boolean streamingJob) {
    publish(completeRdds);
    if (streamingJob) {
      publish(complete);
    }
  }

  /**
   * Takes a job's plan for the background: true if its RDDs are claimed and their write started
   * (or all are being written already), false when the caller should write it as usual: the
   * job's kind is not written in the background, or one of its RDDs is not one that may be (in
   * a batch, an RDD that is not a checkpointed DStream's; outside, one not persisted).
   */
  public boolean offer(SparkContext sc, CheckpointPlan plan, Properties properties) {
    long batch = batchTime(properties);
    boolean streamingJob = batch != Long.MIN_VALUE;
    if (plan.order().isEmpty() || !(streamingJob ? streaming : rdds)) {
      return false;
    }
    List<PluginCheckpointData<?>> data = new ArrayList<>();
    for (RDD<?> rdd : plan.order()) {
      if (rdd.checkpointData().isEmpty()
          || !(rdd.checkpointData().get() instanceof PluginCheckpointData<?> plugin)
          || !(streamingJob ? SparkInternals.generatedByACheckpointedDStream(rdd)
              : rdd.getStorageLevel().isValid() && !reuse.isPluginPersist(rdd)
                  && SparkInternals.everyPartitionStored(rdd))) {
        // A user's checkpoint inside a batch, an RDD the application did not persist, or one
        // with partitions the job did not store (take, first): written as without the setting.
        // Holding the plugin's own persist past the action would show the application a
        // storage level it never set, and fail its persist() of another level, which stock
        // Spark allows once the action has returned.
        return false;
      }
      if (plugin.isMarked()) {
        data.add(plugin); // not those being written for an earlier batch
      }
    }
    publishComplete(streamingJob);
    if (data.isEmpty()) {
      return true; // nothing new to write: this job does not wait
    }
    long batchEnded = System.currentTimeMillis();
    long waitedMs = awaitPrevious(batch, streamingJob);
    if (waitedMs < 0) {
      return false; // interrupted: the caller's own write sees it
    }
    publishComplete(streamingJob);
    List<PluginCheckpointData<?>> claimed = new ArrayList<>();
    for (PluginCheckpointData<?> d : data) {
      if (d.claim()) {
        claimed.add(d);
      }
    }
    if (claimed.isEmpty()) {
      return true;
    }
    Properties own = new Properties();
    own.putAll(properties);
    // The action's SQL execution has ended by the time the write runs: its jobs are the plugin's.
    own.remove("spark.sql.execution.id");
    own.remove("spark.sql.execution.root.id");
    own.setProperty(CheckpointPlan.PLAN_ID_PROPERTY, String.valueOf(plan.id()));
    own.setProperty(BACKGROUND_PROPERTY, "true");
    own.setProperty(WAITED_MS_PROPERTY, String.valueOf(waitedMs));
    own.setProperty(BATCH_ENDED_PROPERTY, String.valueOf(batchEnded));
    if (!streamingJob) {
      own.setProperty(CACHED_ONLY_PROPERTY, "true");
    }
    Object streamingContext = streamingJob ? SparkInternals.activeStreamingContext() : null;
    synchronized (this) {
      try {
        inFlight = thread.submit(
            () -> write(sc, own, claimed, plan, streamingJob, streamingContext));
        inFlightBatch = batch;
      } catch (RuntimeException stopped) {
        claimed.forEach(PluginCheckpointData::resetAfterFailure); // Spark's own step writes them
        return false;
      }
    }
    return true;
  }

  /** On the background thread: each claimed RDD's files in the plan's order, parents first. */
  private void write(SparkContext sc, Properties own, List<PluginCheckpointData<?>> claimed,
      CheckpointPlan plan, boolean streamingJob, Object streamingContext) {
    sc.setLocalProperties(own);
    for (int i = 0; i < claimed.size(); i++) {
      PluginCheckpointData<?> d = claimed.get(i);
      CheckpointRDD<?> files;
      try {
        // A batch's failed checkpoint is left as Spark leaves one (never written again, which
        // later batches' plans would otherwise do, failing batch after batch); an action's is
        // marked again for its next action.
        files = d.writeFiles(!streamingJob);
      } catch (Throwable t) {
        boolean failsNextBatch = streamingJob && plan.required().contains(d.rddId());
        LOG.warn("spark-checkpoint-plus could not write {} checkpoint of RDD {} in the"
            + " background; the RDD stays marked{}: {}", streamingJob ? "a Spark Streaming"
            : "the", d.rddId(), failsNextBatch ? " and the next batch fails with this, as this"
            + " batch would have without the background write"
            : streamingJob ? "" : ", to be written by its next action", t.toString());
        if (failsNextBatch) {
          failure.compareAndSet(null, new Failure(streamingContext, t));
        }
        for (PluginCheckpointData<?> rest : claimed.subList(i + 1, claimed.size())) {
          rest.resetAfterFailure(); // parents first: a child is not written without them
        }
        if (!streamingJob) {
          // Spark's checkpoint step walked past them after their action (SPARK-19215): let the
          // next action that reaches them write them, as it would an RDD never walked.
          for (PluginCheckpointData<?> unwritten : claimed.subList(i, claimed.size())) {
            plan.order().stream().filter(r -> r.id() == unwritten.rddId()).findFirst()
                .ifPresent(SparkInternals::forgetCheckpointWalk);
          }
        }
        return;
      }
      (streamingJob ? complete : completeRdds).add(() -> {
        // The event of the truncation belongs to the write's batch, not to the job publishing.
        Properties jobs = sc.getLocalProperties();
        Properties writes = new Properties();
        writes.putAll(own); // the writer's thread may be changing its own copy meanwhile
        sc.setLocalProperties(writes);
        try {
          d.publish(files);
        } finally {
          sc.setLocalProperties(jobs);
        }
      });
    }
  }

  /**
   * Waits for the write in flight, unless it is this batch's (a batch's several output
   * operations queue behind one another on the writer's thread without waiting); returns how
   * long, in milliseconds, or -1 if interrupted.
   */
  private long awaitPrevious(long batch, boolean streamingJob) {
    Future<?> previous;
    synchronized (this) {
      previous = !streamingJob || inFlightBatch < batch ? inFlight : null;
    }
    if (previous == null || previous.isDone()) {
      return 0;
    }
    long start = System.nanoTime();
    try {
      previous.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (ExecutionException e) {
      // The write recorded its own failure.
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /**
   * At the context's stop (the scheduler has stopped by then, which ends a write in flight):
   * the writer's thread ends; files written but not yet published are never named by a
   * metadata checkpoint, and a restart resumes from the last published one.
   */
  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
