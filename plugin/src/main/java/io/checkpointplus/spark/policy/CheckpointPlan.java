package io.checkpointplus.spark.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.rdd.RDD;

/**
 * The RDDs one job checkpoints once it has run.
 *
 * @param id this plan's number, unique in the driver: the {@code planId} of every audit event of
 *     the plan (its ancestor decisions and its checkpoints), so readers can group them
 * @param order the RDDs, each after every planned RDD it depends on (a topological order of the
 *     lineage, parents first), which is also the order a single writer uses
 * @param parents for each planned RDD id, the ids of the planned RDDs nearest below it: all the
 *     ordering a parallel writer needs
 * @param required ids of the RDDs stock Spark would checkpoint after this job: their failed
 *     write fails the action, as in Spark; the others were added by the policy, and their
 *     failure is recorded but never reaches the application
 */
public record CheckpointPlan(long id, List<RDD<?>> order, Map<Integer, Set<Integer>> parents,
    Set<Integer> required) {
  public static final CheckpointPlan EMPTY = new CheckpointPlan(0, List.of(), Map.of(), Set.of());

  /**
   * The local property naming the plan whose checkpoints the current thread writes: the
   * checkpoint writer puts it on its audit events as {@code planId}.
   */
  public static final String PLAN_ID_PROPERTY = "spark.checkpointplus.planId";

  public boolean isEmpty() {
    return order.isEmpty();
  }
}
