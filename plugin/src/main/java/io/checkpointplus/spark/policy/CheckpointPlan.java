package io.checkpointplus.spark.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.rdd.RDD;

/**
 * The RDDs one job checkpoints once it has run.
 *
 * @param order the RDDs, each after every planned RDD it depends on (a topological order of the
 *     lineage, parents first), which is also the order a single writer uses
 * @param parents for each planned RDD id, the ids of the planned RDDs nearest below it: all the
 *     ordering a parallel writer needs
 * @param required ids of the RDDs stock Spark would checkpoint after this job: their failed
 *     write fails the action, as in Spark; the others were added by the policy, and their
 *     failure is recorded but never reaches the application
 */
public record CheckpointPlan(List<RDD<?>> order, Map<Integer, Set<Integer>> parents,
    Set<Integer> required) {
  public static final CheckpointPlan EMPTY = new CheckpointPlan(List.of(), Map.of(), Set.of());

  public boolean isEmpty() {
    return order.isEmpty();
  }
}
