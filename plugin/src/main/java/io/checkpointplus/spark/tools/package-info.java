/**
 * Tools: small command-line programs around the plugin: the configuration table of the README
 * ({@link io.checkpointplus.spark.tools.ConfigTable}) and a reader that dumps any RDD checkpoint
 * with Spark's own reader ({@link io.checkpointplus.spark.tools.CheckpointDump}).
 */
package io.checkpointplus.spark.tools;
