package io.checkpointplus.spark.interception;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.Dependency;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;

/** Facts about an RDD's lineage, computed without recursion so deep lineages cannot overflow. */
public final class Lineage {
  private Lineage() {
  }

  /**
   * The number of RDDs on the longest dependency path from {@code rdd} down to a source or a
   * checkpointed RDD, both ends included: 1 for a source, 2 for a map over it.
   */
  public static int depth(RDD<?> rdd) {
    Map<Integer, Integer> depths = new HashMap<>();
    Deque<RDD<?>> stack = new ArrayDeque<>();
    stack.push(rdd);
    while (!stack.isEmpty()) {
      RDD<?> current = stack.peek();
      if (depths.containsKey(current.id())) {
        stack.pop();
        continue;
      }
      if (current.isCheckpointed()) {
        depths.put(current.id(), 1);
        stack.pop();
        continue;
      }
      boolean parentsKnown = true;
      int deepestParent = 0;
      Iterator<Dependency<?>> deps = current.dependencies().iterator();
      while (deps.hasNext()) {
        RDD<?> parent = deps.next().rdd();
        Integer d = depths.get(parent.id());
        if (d == null) {
          parentsKnown = false;
          stack.push(parent);
        } else {
          deepestParent = Math.max(deepestParent, d);
        }
      }
      if (parentsKnown) {
        depths.put(current.id(), deepestParent + 1);
        stack.pop();
      }
    }
    return depths.get(rdd.id());
  }
}
