package io.checkpointplus.spark.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.rdd.RDD;

/**
 * The RDDs one job checkpoints once it has run, parents before children: {@code order} lists
 * them so that every RDD comes after the planned RDDs it depends on ({@code parents}, keyed by
 * RDD id), which is all the ordering a parallel writer needs.
 */
public record CheckpointPlan(List<RDD<?>> order, Map<Integer, Set<Integer>> parents) {
  public static final CheckpointPlan EMPTY = new CheckpointPlan(List.of(), Map.of());

  public boolean isEmpty() {
    return order.isEmpty();
  }
}
