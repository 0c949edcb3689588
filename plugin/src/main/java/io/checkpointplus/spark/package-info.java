/**
 * spark-checkpoint-plus: better RDD and DStream checkpointing for Spark 3.5, enabled with
 * {@code --conf spark.plugins=io.checkpointplus.spark.CheckpointPlusPlugin}.
 *
 * <p>Packages: {@code activation} (plugin entry, version check, fail-open install),
 * {@code interception} (the job-submission hook and lineage walk), {@code policy} (which
 * ancestors are checkpointed), {@code checkpoint} (writing checkpoints, partition reuse),
 * {@code files} (checkpoint file layout and commit), {@code audit} (events and sinks),
 * {@code config} (settings), {@code tools} (documentation generators).
 */
package io.checkpointplus.spark;
