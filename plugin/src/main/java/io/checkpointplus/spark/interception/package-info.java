/**
 * Interception: the plugin's place in Spark's job submission. A {@code DAGScheduler} subclass
 * takes the place of SparkContext's scheduler ({@link io.checkpointplus.spark.interception.SchedulerSwap})
 * and, before each job's tasks are serialized, lets the
 * {@link io.checkpointplus.spark.interception.JobSubmissionInterceptor} walk the final RDD's
 * lineage once. Every call into plugin code from there is guarded: a failure in it is logged and
 * the job runs as Spark alone would run it.
 */
package io.checkpointplus.spark.interception;
