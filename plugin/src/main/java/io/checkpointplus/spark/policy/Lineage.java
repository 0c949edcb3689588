package io.checkpointplus.spark.policy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.Dependency;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;

/**
 * Facts about an RDD's lineage, computed without recursion so that lineages thousands of RDDs
 * deep cannot overflow the stack. A checkpointed RDD ends the lineage: its parents are gone.
 */
public final class Lineage {
  private Lineage() {
  }

  /**
   * The number of RDDs on the longest dependency path from {@code rdd} down to a source or a
   * checkpointed RDD, both ends included: 1 for a source, 2 for a map over it.
   */
  public static int depth(RDD<?> rdd) {
    return depths(parentsFirst(rdd), Set.of()).get(rdd.id());
  }

  /**
   * Depth of every RDD of {@code parentsFirst} (as returned by {@link #parentsFirst}), by id,
   * counting the RDDs in {@code cut} as depth 1, as if they were checkpointed.
   */
  public static Map<Integer, Integer> depths(List<RDD<?>> parentsFirst, Set<Integer> cut) {
    Map<Integer, Integer> depth = new HashMap<>();
    for (RDD<?> rdd : parentsFirst) {
      int deepest = 0;
      if (!rdd.isCheckpointed()) {
        Iterator<Dependency<?>> deps = rdd.dependencies().iterator();
        while (deps.hasNext()) {
          RDD<?> parent = deps.next().rdd();
          deepest = Math.max(deepest,
              cut.contains(parent.id()) ? 1 : depth.getOrDefault(parent.id(), 1));
        }
      }
      depth.put(rdd.id(), deepest + 1);
    }
    return depth;
  }

  /** Every RDD of the lineage, each listed after all its parents, {@code rdd} last. */
  public static List<RDD<?>> parentsFirst(RDD<?> rdd) {
    List<RDD<?>> order = new ArrayList<>();
    Set<Integer> done = new HashSet<>();
    Set<Integer> expanded = new HashSet<>();
    Deque<RDD<?>> stack = new ArrayDeque<>();
    stack.push(rdd);
    while (!stack.isEmpty()) {
      RDD<?> current = stack.peek();
      if (done.contains(current.id())) {
        stack.pop();
        continue;
      }
      if (expanded.add(current.id()) && !current.isCheckpointed()) {
        // Pushed last first, so parents are listed in dependency order, as Spark's own
        // depth-first doCheckpoint meets them.
        List<RDD<?>> parents = new ArrayList<>();
        Iterator<Dependency<?>> deps = current.dependencies().iterator();
        while (deps.hasNext()) {
          parents.add(deps.next().rdd());
        }
        for (int i = parents.size() - 1; i >= 0; i--) {
          if (!done.contains(parents.get(i).id())) {
            stack.push(parents.get(i));
          }
        }
        continue;
      }
      stack.pop();
      done.add(current.id());
      order.add(current);
    }
    return order;
  }
}
