package io.checkpointplus.spark.policy;

import java.util.Set;
import org.apache.spark.rdd.RDD;

/**
 * A marked, not yet checkpointed RDD found in a job's lineage.
 *
 * @param rdd the RDD
 * @param behindMarked whether every path from the job's final RDD to it passes through another
 *     RDD with checkpoint data, i.e. whether it is an ancestor Spark's default rule would not
 *     checkpoint after this job
 * @param markedParents ids of the nearest marked RDDs among its ancestors
 */
public record MarkedRdd(RDD<?> rdd, boolean behindMarked, Set<Integer> markedParents) {
}
