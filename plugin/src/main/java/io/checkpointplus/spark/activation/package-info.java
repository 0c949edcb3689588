/**
 * Activation: what runs when Spark loads the plugin (or the same jar as a Java agent). Reads and
 * validates the settings, checks the Spark version, installs the interception hook, and fails
 * open (one WARN line, a {@code hook.status} event, Spark running natively) whenever the
 * environment is not one the plugin was verified on.
 */
package io.checkpointplus.spark.activation;
