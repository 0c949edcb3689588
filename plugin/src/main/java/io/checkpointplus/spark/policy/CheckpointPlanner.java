package io.checkpointplus.spark.policy;

import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.AuditLog;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.rdd.RDD;

/**
 * Applies the {@link AncestorPolicy} to the marked RDDs of one job and records each decision
 * about an ancestor as a {@code checkpoint.ancestor} event.
 *
 * <p>The nearest marked RDDs (reachable from the job's final RDD without passing another marked
 * RDD) are always planned: Spark checkpoints them too. Marked ancestors behind them are planned
 * under {@code marked} and {@code auto}, and under {@code nearest} only when the job sets
 * {@code spark.checkpoint.checkpointAllMarkedAncestors}. A dry run plans what Spark alone would
 * write and records the rest as {@code would-checkpoint}.
 */
public final class CheckpointPlanner {
  private static final AtomicLong PLAN_IDS = new AtomicLong();

  private final AncestorPolicy policy;
  private final boolean dryRun;
  private final AuditLog audit;

  public CheckpointPlanner(AncestorPolicy policy, boolean dryRun, AuditLog audit) {
    this.policy = policy;
    this.dryRun = dryRun;
    this.audit = audit;
  }

  public AncestorPolicy policy() {
    return policy;
  }

  public boolean dryRun() {
    return dryRun;
  }

  /**
   * The plan for {@code marked}, given parents first (each after the marked RDDs it depends on);
   * {@code allMarkedRequested} is the job's Spark property.
   */
  public CheckpointPlan plan(List<MarkedRdd> marked, boolean allMarkedRequested) {
    if (marked.isEmpty()) {
      return CheckpointPlan.EMPTY;
    }
    long id = nextPlanId();
    Set<Integer> planned = new HashSet<>();
    Set<Integer> required = new HashSet<>();
    for (MarkedRdd m : marked) {
      boolean sparkWould = m.sparkWould();
      boolean policyWants = sparkWould || policy != AncestorPolicy.NEAREST;
      if (sparkWould) {
        required.add(m.rdd().id());
      }
      if (sparkWould || (policyWants && !dryRun)) {
        planned.add(m.rdd().id());
      }
      if (m.behindMarked() || !sparkWould) {
        recordAncestor(id, m, policyWants, allMarkedRequested);
      }
    }
    // Parents first, so each RDD's nearest planned ancestors are known when it is reached: an
    // unplanned marked RDD in between passes on its own.
    List<RDD<?>> order = new ArrayList<>();
    Map<Integer, Set<Integer>> parents = new HashMap<>();
    Map<Integer, Set<Integer>> plannedBelow = new HashMap<>();
    for (MarkedRdd m : marked) {
      Set<Integer> nearest = new HashSet<>();
      for (int parent : m.markedParents()) {
        if (planned.contains(parent)) {
          nearest.add(parent);
        } else {
          nearest.addAll(plannedBelow.getOrDefault(parent, Set.of()));
        }
      }
      plannedBelow.put(m.rdd().id(), nearest);
      if (planned.contains(m.rdd().id())) {
        order.add(m.rdd());
        parents.put(m.rdd().id(), nearest);
      }
    }
    return new CheckpointPlan(id, order, parents, required);
  }

  /** A new plan number ({@link CheckpointPlan#id}); the {@code auto} policy's cuts take one too. */
  public long nextPlanId() {
    return PLAN_IDS.incrementAndGet();
  }

  private void recordAncestor(long planId, MarkedRdd m, boolean policyWants,
      boolean allMarkedRequested) {
    RDD<?> rdd = m.rdd();
    boolean sparkWould = m.sparkWould();
    String decision = !policyWants ? "skip" : (dryRun && !sparkWould) ? "would-checkpoint"
        : "checkpoint";
    String rule = sparkWould && allMarkedRequested ? "job-requests-all-marked-ancestors"
        : !m.behindMarked() ? "marked-after-an-action-walked-past" // SPARK-19215
        : policy == AncestorPolicy.NEAREST ? "nearest-only" : "marked-ancestor";
    audit.record(audit.event(AuditEvent.Type.CHECKPOINT_ANCESTOR)
        .with("planId", planId)
        .with("rddId", rdd.id())
        .with("dir", rdd.context().getCheckpointDir().getOrElse(() -> null))
        .with("decision", decision)
        .with("rule", rule)
        .with("policy", policy.configName())
        .with("dryRun", dryRun)
        .with("callSite", rdd.creationSite().shortForm())
        .build());
  }

  /** Records a cut point the {@code auto} policy chose, checkpointed or (dry run) not. */
  public void recordCutPoint(long planId, RDD<?> rdd, int depthBefore, int maxDepth,
      String preference) {
    audit.record(audit.event(AuditEvent.Type.CHECKPOINT_ANCESTOR)
        .with("planId", planId)
        .with("rddId", rdd.id())
        .with("dir", rdd.context().getCheckpointDir().getOrElse(() -> null))
        .with("decision", dryRun ? "would-mark" : "mark")
        .with("rule", "auto-lineage-depth")
        .with("policy", policy.configName())
        .with("dryRun", dryRun)
        .with("lineageDepth", depthBefore)
        .with("maxLineageDepth", maxDepth)
        .with("preferred", preference)
        .with("callSite", rdd.creationSite().shortForm())
        .build());
  }
}
