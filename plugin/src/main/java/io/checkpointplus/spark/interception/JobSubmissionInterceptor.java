package io.checkpointplus.spark.interception;

import io.checkpointplus.spark.checkpoint.CheckpointWriter;
import io.checkpointplus.spark.checkpoint.PluginCheckpointData;
import io.checkpointplus.spark.checkpoint.ReuseLedger;
import io.checkpointplus.spark.checkpoint.ReusedBlockLocks;
import io.checkpointplus.spark.checkpoint.SparkInternals;
import io.checkpointplus.spark.files.CheckpointVerifier;
import io.checkpointplus.spark.policy.AncestorPolicy;
import io.checkpointplus.spark.policy.CheckpointPlan;
import io.checkpointplus.spark.policy.CheckpointPlanner;
import io.checkpointplus.spark.policy.CutPoints;
import io.checkpointplus.spark.policy.Lineage;
import io.checkpointplus.spark.policy.MarkedRdd;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.spark.Dependency;
import org.apache.spark.SparkContext;
import org.apache.spark.rdd.CheckpointState$;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.RDDCheckpointData;
import org.apache.spark.rdd.RDDCheckpointData$;
import org.apache.spark.rdd.ReliableCheckpointRDD;
import org.apache.spark.rdd.ReliableRDDCheckpointData;
import scala.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;

/**
 * What happens at each job submission, before tasks are serialized:
 * <ol>
 *   <li>with the {@code auto} policy, a lineage deeper than allowed is cut first: the chosen RDDs
 *       are checkpointed now, so the job's tasks carry a bounded lineage;</li>
 *   <li>one walk of the final RDD's lineage replaces Spark's {@link ReliableRDDCheckpointData}
 *       on every marked RDD with the plugin's {@link PluginCheckpointData} and collects the marked
 *       RDDs;</li>
 *   <li>every checkpoint the job will read is verified against its manifest
 *       ({@link CheckpointVerifier}); a damaged one stops the job with a precise message;</li>
 *   <li>the {@link CheckpointPlanner} decides which of them this job checkpoints, and those are
 *       persisted so the checkpoint reads what the job computes ({@link ReuseLedger}).</li>
 * </ol>
 * The walk is {@link Lineage#parentsFirst}, iterative, and stops at checkpointed RDDs, whose
 * lineage is already cut. DAGScheduler walks the same lineage for every job anyway.
 */
public final class JobSubmissionInterceptor {
  /** The local property with which Spark Streaming asks for every marked ancestor. */
  static final String ALL_MARKED_ANCESTORS = "spark.checkpoint.checkpointAllMarkedAncestors";

  private static final Logger LOG = LoggerFactory.getLogger(JobSubmissionInterceptor.class);

  private final CheckpointWriter writer;
  private final ReuseLedger reuse;
  private final CheckpointPlanner planner;
  private final CheckpointVerifier verifier;
  private final int maxLineageDepth;

  public JobSubmissionInterceptor(CheckpointWriter writer, ReuseLedger reuse,
      CheckpointPlanner planner, CheckpointVerifier verifier, int maxLineageDepth) {
    this.writer = writer;
    this.reuse = reuse;
    this.planner = planner;
    this.verifier = verifier;
    this.maxLineageDepth = maxLineageDepth;
  }

  /**
   * Prepares the job about to run on {@code finalRdd}. With {@code checkpointAfter} (a job that
   * SparkContext follows with {@code doCheckpoint}, as {@code runJob} is), plans what to
   * checkpoint after it and persists those of them Spark would write too; other jobs (asynchronous actions,
   * approximate jobs) are followed by no checkpoint in Spark, and get none here either.
   */
  public PreparedJob beforeJob(RDD<?> finalRdd, Properties properties,
      boolean checkpointAfter) {
    if (CheckpointWriter.isCheckpointJob()) {
      return PreparedJob.NOTHING; // the plugin's own write: its lineage was prepared already
    }
    if (checkpointAfter && planner.policy() == AncestorPolicy.AUTO) {
      cutDeepLineage(finalRdd);
    }
    boolean allMarked = properties != null
        && Boolean.parseBoolean(properties.getProperty(ALL_MARKED_ANCESTORS));
    List<MarkedRdd> marked = walk(finalRdd, allMarked);
    if (!checkpointAfter) {
      return PreparedJob.NOTHING;
    }
    CheckpointPlan plan = planner.plan(marked, allMarked);
    List<RDD<?>> held = new ArrayList<>();
    try {
      for (RDD<?> rdd : plan.order()) {
        // Only what Spark itself would write now: caching needs serializable records, which
        // stock Spark asks of these RDDs anyway, but not of the ancestors the policy adds.
        if (plan.required().contains(rdd.id()) && reuse.acquire(rdd)) {
          held.add(rdd);
        }
      }
    } catch (RuntimeException | LinkageError e) {
      release(held);
      throw e;
    }
    if (held.isEmpty() || properties == null) {
      return new PreparedJob(plan, held, null, null);
    }
    // The job's tasks give back their locks on these blocks when they end (take stops early).
    return new PreparedJob(plan, held, properties, ReusedBlockLocks.name(properties, held));
  }

  /** Gives back what {@link #beforeJob} persisted; never throws. */
  public void afterJob(PreparedJob job) {
    if (job.properties() != null) {
      ReusedBlockLocks.restore(job.properties(), job.previousReused());
    }
    release(job.held());
  }

  private void release(List<RDD<?>> held) {
    for (RDD<?> rdd : held) {
      try {
        reuse.release(rdd, rdd.isCheckpointed());
      } catch (RuntimeException | LinkageError e) {
        LOG.warn("Could not unpersist RDD {} persisted for its checkpoint: {}", rdd.id(),
            e.toString());
      }
    }
  }

  /**
   * Marked, not yet checkpointed RDDs of the lineage, parents first; adopts each on the way and
   * verifies every checkpoint the job will read. Which of them Spark would checkpoint after the
   * job follows {@code RDD.doCheckpoint}: from the final RDD down, an RDD an earlier action
   * already walked past is not visited again (SPARK-19215), a marked RDD is checkpointed and,
   * unless the job asks for all marked ancestors, ends the path.
   */
  private List<MarkedRdd> walk(RDD<?> finalRdd, boolean allMarked) {
    List<RDD<?>> parentsFirst = Lineage.parentsFirst(finalRdd);
    Set<Integer> open = new HashSet<>(); // visited by Spark's doCheckpoint after this job
    open.add(finalRdd.id());
    Set<Integer> nearest = new HashSet<>(); // reached past no other RDD with checkpoint data
    nearest.add(finalRdd.id());
    Set<Integer> adopted = new HashSet<>();
    for (int i = parentsFirst.size() - 1; i >= 0; i--) { // children first
      RDD<?> rdd = parentsFirst.get(i);
      if (rdd instanceof ReliableCheckpointRDD) {
        verifier.verifyOnce(rdd); // a checkpoint read directly, e.g. restored by a DStream
      }
      Option<? extends RDDCheckpointData<?>> data = rdd.checkpointData();
      if (data.isDefined() && data.get().isCheckpointed()) {
        if (data.get().checkpointRDD().isDefined()) {
          verifier.verifyOnce(data.get().checkpointRDD().get());
        }
        continue;
      }
      if (data.isDefined() && adopt(rdd)) {
        adopted.add(rdd.id());
      }
      if (open.contains(rdd.id()) && SparkInternals.doCheckpointCalled(rdd)) {
        open.remove(rdd.id());
      }
      boolean expandOpen = open.contains(rdd.id()) && (data.isEmpty() || allMarked);
      boolean expandNearest = nearest.contains(rdd.id()) && data.isEmpty();
      Iterator<Dependency<?>> deps = rdd.dependencies().iterator();
      while ((expandOpen || expandNearest) && deps.hasNext()) {
        int parent = deps.next().rdd().id();
        if (expandOpen) {
          open.add(parent);
        }
        if (expandNearest) {
          nearest.add(parent);
        }
      }
    }
    // The nearest adopted RDDs below each RDD, computed parents first.
    Map<Integer, Set<Integer>> below = new HashMap<>();
    List<MarkedRdd> result = new ArrayList<>();
    for (RDD<?> rdd : parentsFirst) {
      Set<Integer> nearestBelow = new HashSet<>();
      if (!rdd.isCheckpointed()) {
        Iterator<Dependency<?>> deps = rdd.dependencies().iterator();
        while (deps.hasNext()) {
          int parent = deps.next().rdd().id();
          if (adopted.contains(parent)) {
            nearestBelow.add(parent);
          } else {
            nearestBelow.addAll(below.getOrDefault(parent, Set.of()));
          }
        }
      }
      below.put(rdd.id(), nearestBelow);
      if (adopted.contains(rdd.id())) {
        result.add(new MarkedRdd(rdd, open.contains(rdd.id()), !nearest.contains(rdd.id()),
            nearestBelow));
      }
    }
    return result;
  }

  /**
   * Puts the plugin's checkpoint data in place of Spark's if Spark's is still untouched; true
   * when the RDD is now the plugin's to checkpoint (including when it already was).
   */
  private <T> boolean adopt(RDD<T> rdd) {
    Option<RDDCheckpointData<T>> data = rdd.checkpointData();
    if (data.isEmpty()) {
      return false;
    }
    if (data.get() instanceof PluginCheckpointData) {
      return true;
    }
    if (data.get().getClass() != ReliableRDDCheckpointData.class) {
      return false; // local checkpoints and anything else are left to Spark
    }
    // Spark flips checkpoint states under this lock (RDDCheckpointData.checkpoint()).
    synchronized (RDDCheckpointData$.MODULE$) {
      if (rdd.checkpointData() != data
          || data.get().cpState() != CheckpointState$.MODULE$.Initialized()) {
        return false;
      }
      Option<PluginCheckpointData<T>> ours = PluginCheckpointData.replacing(rdd,
          (ReliableRDDCheckpointData<T>) data.get(), writer);
      if (ours.isEmpty()) {
        return false;
      }
      rdd.checkpointData_$eq(Option.apply(ours.get()));
      return true;
    }
  }

  /**
   * The {@code auto} policy's cut: checkpoint the chosen RDDs now, parents first, so that no path
   * of the job's lineage is longer than {@code maxLineageDepth}. A dry run only records them.
   */
  private void cutDeepLineage(RDD<?> finalRdd) {
    CutPoints.Choice choice = CutPoints.choose(finalRdd, maxLineageDepth);
    if (choice.cuts().isEmpty()) {
      return;
    }
    long planId = planner.nextPlanId();
    SparkContext sc = finalRdd.context();
    String previous = sc.getLocalProperty(CheckpointPlan.PLAN_ID_PROPERTY);
    sc.setLocalProperty(CheckpointPlan.PLAN_ID_PROPERTY, String.valueOf(planId));
    try {
      checkpointCuts(choice, planId);
    } finally {
      sc.setLocalProperty(CheckpointPlan.PLAN_ID_PROPERTY, previous);
    }
  }

  private void checkpointCuts(CutPoints.Choice choice, long planId) {
    for (int i = 0; i < choice.cuts().size(); i++) {
      RDD<?> cut = choice.cuts().get(i);
      planner.recordCutPoint(planId, cut, choice.depthBefore(), maxLineageDepth,
          choice.reasons().get(i));
      if (planner.dryRun() || cut.context().getCheckpointDir().isEmpty()) {
        continue;
      }
      if (cut.checkpointData().isEmpty()) {
        cut.checkpoint();
      }
      if (adopt(cut)) {
        try {
          cut.checkpointData().get().checkpoint();
        } catch (RuntimeException e) {
          if (cut.checkpointData().get() instanceof PluginCheckpointData<?> plugin) {
            plugin.resetAfterFailure();
          }
          throw e;
        }
      }
    }
  }
}
