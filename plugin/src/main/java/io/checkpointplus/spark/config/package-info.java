/**
 * Configuration: every {@code spark.checkpointplus.*} setting declared once, with its type,
 * default, documentation and validation ({@link io.checkpointplus.spark.config.CheckpointPlusConfig}),
 * and the validated snapshot the rest of the plugin reads ({@link io.checkpointplus.spark.config.PluginSettings}).
 */
package io.checkpointplus.spark.config;
