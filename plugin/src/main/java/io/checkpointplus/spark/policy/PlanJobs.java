package io.checkpointplus.spark.policy;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark jobs of one {@link CheckpointPlan}'s writes, marked so that exactly they can be
 * cancelled: neither the application's own jobs nor another plan's.
 *
 * <p>Every plan's jobs carry a tag of their own in Spark's {@code spark.job.tags} local property.
 * How they are cancelled is decided once, at run time, because the released Scala 2.12 jar is
 * compiled against Spark 3.5 and also runs on 3.4:
 * <ul>
 *   <li>Spark 3.5 and later: {@code SparkContext.cancelJobsWithTag}, looked up by a method
 *       handle. The DAGScheduler cancels, in its event loop, every job with the tag submitted
 *       before the request.</li>
 *   <li>Spark 3.4, which has no job tags (the property is then an inert local property): the
 *       intercepting scheduler reports each job it submits ({@link #jobSubmitted}, on the
 *       submitting thread, before the job can be waited on); a plan's jobs are cancelled one by
 *       one with {@code SparkContext.cancelJob(id)}, and a job of a cancelled plan submitted
 *       afterwards is cancelled as it is reported. Both requests go through the same event loop
 *       after the job's submission, so no job of the plan escapes.</li>
 * </ul>
 */
public final class PlanJobs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PlanJobs.class);

  /** Spark's local property holding a thread's job tags (comma separated), since 3.5. */
  static final String JOB_TAGS = "spark.job.tags";

  /** {@code SparkContext.cancelJobsWithTag(String)}; null on a Spark without job tags. */
  private static final MethodHandle CANCEL_JOBS_WITH_TAG = cancelJobsWithTag();

  /** The open plans whose job ids are tracked, by tag (only where Spark has no job tags). */
  private static final Map<String, PlanJobs> TRACKED = new ConcurrentHashMap<>();

  private final SparkContext sc;
  private final String tag = "checkpoint-plus-" + UUID.randomUUID();
  private final boolean tracked;
  /** The jobs submitted under {@link #tag}, when {@link #tracked}; guarded by {@code this}. */
  private final Set<Integer> jobIds = new HashSet<>();
  private boolean cancelled;

  private PlanJobs(SparkContext sc, boolean tracked) {
    this.sc = sc;
    this.tracked = tracked;
    if (tracked) {
      TRACKED.put(tag, this);
    }
  }

  /** The jobs of a plan about to run on {@code sc}; close it when the plan has run. */
  public static PlanJobs open(SparkContext sc) {
    return new PlanJobs(sc, !sparkHasJobTags());
  }

  /**
   * As {@link #open}, but tracking job ids whatever the Spark: the way taken on Spark 3.4, so
   * that it is tested on every line.
   */
  static PlanJobs openTrackingJobIds(SparkContext sc) {
    return new PlanJobs(sc, true);
  }

  /** Whether this Spark cancels jobs by tag (3.5 and later). */
  static boolean sparkHasJobTags() {
    return CANCEL_JOBS_WITH_TAG != null;
  }

  private static MethodHandle cancelJobsWithTag() {
    try {
      return MethodHandles.publicLookup().findVirtual(SparkContext.class, "cancelJobsWithTag",
          MethodType.methodType(void.class, String.class));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  /** {@code properties} with this plan's tag added to their job tags: for a writer thread. */
  Properties marked(Properties properties) {
    Properties own = new Properties();
    own.putAll(properties);
    own.setProperty(JOB_TAGS, withTag(properties.getProperty(JOB_TAGS)));
    return own;
  }

  /**
   * Runs {@code body} on the calling thread with this plan's tag added to the thread's job tags,
   * then gives the thread back its own tags, as {@code addJobTag}/{@code removeJobTag} would.
   */
  <T> T onCallingThread(java.util.function.Supplier<T> body) {
    String before = sc.getLocalProperty(JOB_TAGS);
    sc.setLocalProperty(JOB_TAGS, withTag(before));
    try {
      return body.get();
    } finally {
      sc.setLocalProperty(JOB_TAGS, before); // null removes it, as Spark does for no tags
    }
  }

  private String withTag(String tags) {
    return tags == null || tags.isEmpty() ? tag : tags + "," + tag;
  }

  /**
   * Cancels every job of this plan submitted so far, and (where ids are tracked) any submitted
   * until the plan is closed. Never throws: a failure is logged.
   */
  void cancel() {
    try {
      if (!tracked) {
        CANCEL_JOBS_WITH_TAG.invoke(sc, tag);
        return;
      }
      List<Integer> ids;
      synchronized (this) {
        cancelled = true;
        ids = new ArrayList<>(jobIds);
      }
      for (int id : ids) {
        sc.cancelJob(id); // a job that already ended is ignored by the DAGScheduler
      }
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      LOG.warn("Could not cancel the checkpoint jobs tagged {}: {}", tag, t.toString());
    }
  }

  /** The plan has run: its jobs are no longer tracked. */
  @Override
  public void close() {
    if (tracked) {
      TRACKED.remove(tag);
    }
  }

  /**
   * Called by the intercepting scheduler on the submitting thread for every job it submits,
   * with the job's properties: records the job under the tracked plan its tags name, and
   * cancels it at once if that plan was already cancelled. Never throws.
   */
  public static void jobSubmitted(Properties properties, int jobId) {
    if (TRACKED.isEmpty() || properties == null) {
      return;
    }
    try {
      String tags = properties.getProperty(JOB_TAGS);
      if (tags == null) {
        return;
      }
      for (String t : tags.split(",")) {
        PlanJobs plan = TRACKED.get(t);
        if (plan != null) {
          plan.submitted(jobId);
        }
      }
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      LOG.debug("Could not track job {} of a checkpoint plan", jobId, t);
    }
  }

  private void submitted(int jobId) {
    boolean cancelNow;
    synchronized (this) {
      jobIds.add(jobId);
      cancelNow = cancelled;
    }
    if (cancelNow) {
      sc.cancelJob(jobId);
    }
  }

  @Override
  public String toString() {
    return tag;
  }
}
