package io.checkpointplus.spark.policy;

import java.util.Set;
import org.apache.spark.rdd.RDD;

/**
 * A marked, not yet checkpointed RDD found in a job's lineage.
 *
 * @param rdd the RDD
 * @param sparkWould whether Spark's own checkpoint step after this job checkpoints it: it is
 *     reached from the job's final RDD past no RDD an earlier action already walked past, and
 *     past no other RDD with checkpoint data unless the job asks for every marked ancestor
 * @param behindMarked whether every path from the job's final RDD to it passes another RDD with
 *     checkpoint data: an ancestor, whose checkpointing is the policy's decision
 * @param markedParents ids of the nearest marked RDDs among its ancestors
 */
public record MarkedRdd(RDD<?> rdd, boolean sparkWould, boolean behindMarked,
    Set<Integer> markedParents) {
}
