/**
 * The "Checkpoints" tab of the Spark UI and the History Server, and its JSON API: a listener
 * that turns the plugin's audit events into rows of Spark's status store, summary statistics
 * over every checkpoint, pages rendered as escaped HTML inside Spark's own page frame, and the
 * JSON answers. Everything here is neutral to the Spark line; what touches a servlet API lives
 * in {@code ui.servlet} and is chosen at run time by {@link io.checkpointplus.spark.ui.CheckpointsUi},
 * and the History Server plugin, whose signature names a Scala collection, lives in the per-Scala
 * source folders.
 */
package io.checkpointplus.spark.ui;
