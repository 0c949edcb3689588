/**
 * Activation: what runs when Spark loads the plugin (or the same jar as a Java agent). First,
 * with JDK code only, {@link io.checkpointplus.spark.activation.SparkVersionSupport} checks that
 * the jar was built for the running Scala binary version and verified on the running Spark line;
 * if not, {@link io.checkpointplus.spark.activation.NativeDriverPlugin} and
 * {@link io.checkpointplus.spark.activation.NativeExecutorPlugin} step aside (one WARN line, a
 * {@code hook.status} event, Spark running natively) without loading any class that links Scala
 * or Spark. Otherwise the driver side reads and validates the settings, installs the
 * interception hook, and fails open whenever something else goes wrong.
 */
package io.checkpointplus.spark.activation;
