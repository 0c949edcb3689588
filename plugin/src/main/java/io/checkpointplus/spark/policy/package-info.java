/**
 * Policy: which marked RDDs a job checkpoints and in what order
 * ({@link io.checkpointplus.spark.policy.CheckpointPlanner}, {@code ancestors.policy}), how many
 * at once ({@link io.checkpointplus.spark.policy.PlanRunner}), where the {@code auto} policy cuts
 * a lineage that grew too deep ({@link io.checkpointplus.spark.policy.CutPoints}), and the
 * lineage facts these decisions rest on ({@link io.checkpointplus.spark.policy.Lineage}).
 */
package io.checkpointplus.spark.policy;
