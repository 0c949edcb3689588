/**
 * The plugin's Structured Streaming {@code CheckpointFileManager} for one Spark API: this source
 * is written for Spark up to 4.0 ({@code structured.api34}); the build derives the Spark 4.1+ one
 * ({@code structured.api41}) from it by renaming Spark's moved package.
 */
package io.checkpointplus.spark.structured.api34;
