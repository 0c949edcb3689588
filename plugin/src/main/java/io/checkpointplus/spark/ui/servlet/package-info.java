/**
 * The thin servlet adapters of the Checkpoints tab, one per servlet API (javax on Spark 3,
 * jakarta on Spark 4): each turns a request into a {@link io.checkpointplus.spark.ui.UiRequest},
 * and a {@link io.checkpointplus.spark.ui.UiResponse} into the reply. Chosen and loaded by name
 * in {@link io.checkpointplus.spark.ui.CheckpointsUi}, so only the running Spark's API links.
 */
package io.checkpointplus.spark.ui.servlet;
