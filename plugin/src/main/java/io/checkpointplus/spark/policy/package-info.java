/**
 * Policy: which ancestors of a checkpointed RDD are checkpointed too, in what order and how many
 * at once. Today the plugin follows Spark's rule (the nearest marked RDD, or every marked
 * ancestor when {@code spark.checkpoint.checkpointAllMarkedAncestors} is set on the job).
 */
package io.checkpointplus.spark.policy;
