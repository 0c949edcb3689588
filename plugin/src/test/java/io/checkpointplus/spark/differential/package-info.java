/**
 * Differential tests of the plugin against stock Spark, which is the oracle.
 *
 * <p>{@link io.checkpointplus.spark.differential.ProgramGenerator} turns a seed into a random
 * RDD program (maps, filters, unions, shuffles, coalesce, sortBy, zipPartitions, checkpoint
 * marks before and after actions, persist levels, localCheckpoint, synchronous, asynchronous,
 * partial and approximate actions, job groups that are cancelled).
 * {@link io.checkpointplus.spark.differential.ProgramInterpreter} runs a program against a real
 * SparkContext and records a {@link io.checkpointplus.spark.differential.Trace}.
 * {@link io.checkpointplus.spark.differential.DifferentialRunner} runs each batch of programs
 * on one stock context and one plugin context with the same configuration and asserts that the
 * plugin changes no result, error or storage level, checkpoints at least what stock Spark
 * checkpoints, leaves no thread or persisted block behind, writes checkpoints stock Spark reads
 * back, and under {@code ancestors.policy=nearest} allocates the same RDD ids and produces the
 * same partitions. A failure prints the seed and the program's listing.
 *
 * <p>{@link io.checkpointplus.spark.differential.KnownDefectsTest} holds the minimal programs the
 * generator found, as hand-written regressions.
 */
package io.checkpointplus.spark.differential;
