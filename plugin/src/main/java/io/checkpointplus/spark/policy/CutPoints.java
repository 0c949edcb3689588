package io.checkpointplus.spark.policy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.Dependency;
import org.apache.spark.ShuffleDependency;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.StorageLevel;
import scala.collection.Iterator;

/**
 * Where the {@code auto} policy cuts a lineage that has grown deeper than allowed.
 *
 * <p>Depth counts the RDDs on the longest path down to a source or a checkpointed RDD. Walking
 * the lineage parents first, whenever an RDD is deeper than {@code maxDepth}, one cut is made on
 * its longest path, among the RDDs whose depth is between half of {@code maxDepth} and
 * {@code maxDepth}: a persisted RDD first (its partitions are already in the block manager), then
 * a shuffle output (the cut also spares re-reading shuffle files), then any; among equals the
 * deepest, so that cuts are as few as possible. Cut RDDs count as depth 1 for their children.
 */
public final class CutPoints {
  private CutPoints() {
  }

  /** The result: the cuts, parents first, and the depth before cutting. */
  public record Choice(List<RDD<?>> cuts, List<String> reasons, int depthBefore) {
  }

  public static Choice choose(RDD<?> finalRdd, int maxDepth) {
    List<RDD<?>> order = Lineage.parentsFirst(finalRdd);
    Set<Integer> cut = new HashSet<>();
    Map<Integer, Integer> depth = Lineage.depths(order, cut);
    int depthBefore = depth.get(finalRdd.id());
    if (depthBefore <= maxDepth) {
      return new Choice(List.of(), List.of(), depthBefore);
    }
    List<RDD<?>> cuts = new ArrayList<>();
    for (RDD<?> rdd : order) {
      while (depth.get(rdd.id()) > maxDepth) {
        RDD<?> best = bestOnLongestPath(rdd, depth, maxDepth);
        if (best == null) {
          break; // nothing deep enough to cut usefully (maxDepth below 2)
        }
        cut.add(best.id());
        cuts.add(best);
        depth = Lineage.depths(order, cut);
      }
    }
    // Writing cuts parents first keeps every checkpoint job's own lineage short.
    cuts.sort((a, b) -> Integer.compare(order.indexOf(a), order.indexOf(b)));
    List<String> reasons = cuts.stream().map(c -> switch (preference(c)) {
      case 2 -> "persisted";
      case 1 -> "shuffle-output";
      default -> "narrow";
    }).toList();
    return new Choice(cuts, reasons, depthBefore);
  }

  private static RDD<?> bestOnLongestPath(RDD<?> from, Map<Integer, Integer> depth, int maxDepth) {
    int low = Math.max(2, (maxDepth + 1) / 2);
    RDD<?> best = null;
    RDD<?> current = from;
    while (current != null) {
      int d = depth.get(current.id());
      if (d >= low && d <= maxDepth
          && (best == null || preference(current) > preference(best))) {
        best = current;
      }
      current = deepestParent(current, depth);
    }
    return best;
  }

  private static RDD<?> deepestParent(RDD<?> rdd, Map<Integer, Integer> depth) {
    if (rdd.isCheckpointed()) {
      return null;
    }
    RDD<?> deepest = null;
    Iterator<Dependency<?>> deps = rdd.dependencies().iterator();
    while (deps.hasNext()) {
      RDD<?> parent = deps.next().rdd();
      Integer d = depth.get(parent.id());
      if (d != null && (deepest == null || d > depth.get(deepest.id()))) {
        deepest = parent;
      }
    }
    return deepest;
  }

  private static int preference(RDD<?> rdd) {
    if (!rdd.getStorageLevel().equals(StorageLevel.NONE())) {
      return 2;
    }
    Iterator<Dependency<?>> deps = rdd.dependencies().iterator();
    while (deps.hasNext()) {
      if (deps.next() instanceof ShuffleDependency) {
        return 1;
      }
    }
    return 0;
  }
}
