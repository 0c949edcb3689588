package io.checkpointplus.spark.policy;

import io.checkpointplus.spark.checkpoint.PluginCheckpointData;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spark Streaming's checkpoints written off the batch's critical path
 * ({@code spark.checkpointplus.streaming.backgroundWrite}): after a batch's job, the RDDs its
 * plan checkpoints are {@linkplain PluginCheckpointData#claim claimed} on the job's thread, so
 * Spark's own {@code rdd.doCheckpoint()} finds them taken, and written on one background thread
 * from the blocks the batch persisted; each is marked checkpointed, its lineage truncated, only
 * once its files are complete ({@link PluginCheckpointData#writeClaimed}).
 *
 * <p>Why Spark Streaming's metadata checkpoint can never name an incomplete state checkpoint:
 * {@code DStreamCheckpointData.update}, run for each {@code DoCheckpoint} event, records only the
 * generated RDDs whose {@code getCheckpointFile} is defined, and the plugin's checkpoint data
 * defines it only once the RDD is checkpointed. Until then the metadata names the previous state
 * checkpoint, which Spark keeps ({@code rememberDuration} of a stateful stream is twice its
 * checkpoint interval, and {@code DStreamCheckpointData.cleanup} deletes only files older than
 * the oldest one the latest metadata names); a restart recomputes the batches after it from
 * their input, as it does after any crash between two checkpoints.
 *
 * <p>At most one plan is in flight: a batch whose plan arrives while the previous one is still
 * being written waits for it on the job's thread, as the batch would wait for its own write in
 * stock Spark, which bounds how far lineage grows. A failed background write leaves its RDDs
 * marked, not checkpointed (the batch has already completed; the next checkpoint interval writes
 * a later state), and is logged and recorded by the writer.
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

  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "checkpoint-plus-background");
    t.setDaemon(true);
    return t;
  });
  private Future<?> inFlight;

  /**
   * Takes a batch job's plan for the background: true if its RDDs are claimed and their write
   * started, false when the caller should write it as usual (not a Spark Streaming job, nothing
   * to write, or an RDD the plugin does not write).
   */
  public boolean offer(SparkContext sc, CheckpointPlan plan, Properties properties) {
    if (properties == null || properties.getProperty(BATCH_TIME_PROPERTY) == null
        || plan.order().isEmpty()) {
      return false;
    }
    List<PluginCheckpointData<?>> data = new ArrayList<>();
    for (RDD<?> rdd : plan.order()) {
      if (rdd.checkpointData().isEmpty()
          || !(rdd.checkpointData().get() instanceof PluginCheckpointData<?> plugin)) {
        return false;
      }
      if (plugin.isMarked()) {
        data.add(plugin); // not those being written for an earlier batch
      }
    }
    if (data.isEmpty()) {
      return true; // nothing new to write: this batch does not wait for the write in flight
    }
    long batchEnded = System.currentTimeMillis();
    long waitedMs = awaitInFlight();
    List<PluginCheckpointData<?>> claimed = new ArrayList<>();
    for (PluginCheckpointData<?> d : data) {
      if (d.claim()) {
        claimed.add(d);
      }
    }
    if (claimed.isEmpty()) {
      return true; // written by an earlier job: nothing for this one to do, as in Spark
    }
    Properties own = new Properties();
    own.putAll(properties);
    own.setProperty(CheckpointPlan.PLAN_ID_PROPERTY, String.valueOf(plan.id()));
    own.setProperty(BACKGROUND_PROPERTY, "true");
    own.setProperty(WAITED_MS_PROPERTY, String.valueOf(waitedMs));
    own.setProperty(BATCH_ENDED_PROPERTY, String.valueOf(batchEnded));
    synchronized (this) {
      try {
        inFlight = thread.submit(() -> write(sc, own, claimed));
      } catch (RuntimeException stopped) {
        claimed.forEach(PluginCheckpointData::resetAfterFailure); // Spark's own step writes them
        return false;
      }
    }
    return true;
  }

  /** On the background thread: each claimed RDD in the plan's order, parents first. */
  private static void write(SparkContext sc, Properties own,
      List<PluginCheckpointData<?>> claimed) {
    sc.setLocalProperties(own);
    for (int i = 0; i < claimed.size(); i++) {
      try {
        claimed.get(i).writeClaimed();
      } catch (Throwable t) {
        LOG.warn("spark-checkpoint-plus could not write a Spark Streaming checkpoint in the"
            + " background; the RDD stays marked and a later batch's checkpoint follows: {}",
            t.toString());
        for (PluginCheckpointData<?> rest : claimed.subList(i + 1, claimed.size())) {
          rest.resetAfterFailure(); // parents first: a child is not written without them
        }
        return;
      }
    }
  }

  /** Waits for the write in flight, if any; returns how long, in milliseconds. */
  private long awaitInFlight() {
    Future<?> previous;
    synchronized (this) {
      previous = inFlight;
    }
    if (previous == null || previous.isDone()) {
      return 0;
    }
    long start = System.nanoTime();
    try {
      previous.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // The write logged its own failure.
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /**
   * At the context's stop: the write in flight is given a bounded time to end (its jobs end
   * with the context); its RDDs were never named by a metadata checkpoint if it does not.
   */
  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      thread.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
