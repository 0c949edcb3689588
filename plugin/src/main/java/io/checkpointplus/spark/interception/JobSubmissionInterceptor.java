package io.checkpointplus.spark.interception;

import io.checkpointplus.spark.checkpoint.CheckpointWriter;
import io.checkpointplus.spark.checkpoint.PluginCheckpointData;
import io.checkpointplus.spark.checkpoint.ReuseLedger;
import io.checkpointplus.spark.files.CheckpointVerifier;
import io.checkpointplus.spark.policy.AncestorPolicy;
import io.checkpointplus.spark.policy.CheckpointPlan;
import io.checkpointplus.spark.policy.CheckpointPlanner;
import io.checkpointplus.spark.policy.CutPoints;
import io.checkpointplus.spark.policy.MarkedRdd;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.spark.Dependency;
import org.apache.spark.rdd.CheckpointState$;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.RDDCheckpointData;
import org.apache.spark.rdd.RDDCheckpointData$;
import org.apache.spark.rdd.ReliableCheckpointRDD;
import org.apache.spark.rdd.ReliableRDDCheckpointData;
import scala.Option;
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
 * The walk is iterative, visits each RDD at most twice and stops at checkpointed RDDs, whose
 * lineage is already cut. DAGScheduler walks the same lineage for every job anyway.
 */
public final class JobSubmissionInterceptor {
  /** The local property with which Spark Streaming asks for every marked ancestor. */
  static final String ALL_MARKED_ANCESTORS = "spark.checkpoint.checkpointAllMarkedAncestors";

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

  /** Prepares the job about to run on {@code finalRdd}; returns what to checkpoint after it. */
  public CheckpointPlan beforeJob(RDD<?> finalRdd, Properties properties) {
    if (CheckpointWriter.isCheckpointJob(finalRdd)) {
      return CheckpointPlan.EMPTY; // the plugin's own write: its lineage was prepared already
    }
    if (planner.policy() == AncestorPolicy.AUTO) {
      cutDeepLineage(finalRdd);
    }
    boolean allMarked = properties != null
        && Boolean.parseBoolean(properties.getProperty(ALL_MARKED_ANCESTORS));
    CheckpointPlan plan = planner.plan(walk(finalRdd), allMarked);
    plan.order().forEach(reuse::persistForReuse);
    return plan;
  }

  /** Marked, not yet checkpointed RDDs, children before parents; adopts each on the way. */
  private List<MarkedRdd> walk(RDD<?> finalRdd) {
    // id -> whether the RDD was reached only behind a marked RDD so far
    Map<Integer, Boolean> behindMarked = new HashMap<>();
    Map<Integer, RDD<?>> marked = new java.util.LinkedHashMap<>();
    Deque<RDD<?>> stack = new ArrayDeque<>();
    Deque<Boolean> stackBehind = new ArrayDeque<>();
    stack.push(finalRdd);
    stackBehind.push(false);
    while (!stack.isEmpty()) {
      RDD<?> rdd = stack.pop();
      boolean behind = stackBehind.pop();
      Boolean seen = behindMarked.get(rdd.id());
      if (seen != null && (seen == behind || !seen)) {
        continue;
      }
      behindMarked.put(rdd.id(), behind);
      if (rdd instanceof ReliableCheckpointRDD) {
        verifier.verifyOnce(rdd); // a checkpoint read directly, e.g. restored by a DStream
      }
      Option<? extends RDDCheckpointData<?>> data = rdd.checkpointData();
      boolean isMarked = data.isDefined();
      if (isMarked) {
        if (data.get().isCheckpointed()) {
          if (data.get().checkpointRDD().isDefined()) {
            verifier.verifyOnce(data.get().checkpointRDD().get());
          }
          continue;
        }
        if (adopt(rdd)) {
          marked.put(rdd.id(), rdd);
        }
      }
      Iterator<Dependency<?>> deps = rdd.dependencies().iterator();
      while (deps.hasNext()) {
        stack.push(deps.next().rdd());
        stackBehind.push(behind || isMarked);
      }
    }
    List<MarkedRdd> result = new ArrayList<>(marked.size());
    for (RDD<?> rdd : marked.values()) {
      result.add(new MarkedRdd(rdd, behindMarked.get(rdd.id()), nearestMarkedParents(rdd)));
    }
    return result;
  }

  /** Ids of the marked RDDs first met below {@code rdd} on each path. */
  private static Set<Integer> nearestMarkedParents(RDD<?> rdd) {
    Set<Integer> found = new HashSet<>();
    Set<Integer> seen = new HashSet<>();
    Deque<RDD<?>> stack = new ArrayDeque<>();
    pushParents(rdd, stack);
    while (!stack.isEmpty()) {
      RDD<?> current = stack.pop();
      if (!seen.add(current.id())) {
        continue;
      }
      Option<? extends RDDCheckpointData<?>> data = current.checkpointData();
      if (data.isDefined()) {
        if (!data.get().isCheckpointed()) {
          found.add(current.id());
        }
        continue;
      }
      pushParents(current, stack);
    }
    return found;
  }

  private static void pushParents(RDD<?> rdd, Deque<RDD<?>> stack) {
    Iterator<Dependency<?>> deps = rdd.dependencies().iterator();
    while (deps.hasNext()) {
      stack.push(deps.next().rdd());
    }
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
      rdd.checkpointData_$eq(Option.apply(new PluginCheckpointData<>(rdd, writer)));
      return true;
    }
  }

  /**
   * The {@code auto} policy's cut: checkpoint the chosen RDDs now, parents first, so that no path
   * of the job's lineage is longer than {@code maxLineageDepth}. A dry run only records them.
   */
  private void cutDeepLineage(RDD<?> finalRdd) {
    CutPoints.Choice choice = CutPoints.choose(finalRdd, maxLineageDepth);
    for (int i = 0; i < choice.cuts().size(); i++) {
      RDD<?> cut = choice.cuts().get(i);
      planner.recordCutPoint(cut, choice.depthBefore(), maxLineageDepth, choice.reasons().get(i));
      if (planner.dryRun() || cut.context().getCheckpointDir().isEmpty()) {
        continue;
      }
      if (cut.checkpointData().isEmpty()) {
        cut.checkpoint();
      }
      if (adopt(cut)) {
        cut.checkpointData().get().checkpoint();
      }
    }
  }
}
