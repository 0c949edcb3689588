package io.checkpointplus.spark;

import io.checkpointplus.spark.activation.DriverActivation;
import io.checkpointplus.spark.activation.ExecutorActivation;
import io.checkpointplus.spark.activation.NativeDriverPlugin;
import io.checkpointplus.spark.activation.NativeExecutorPlugin;
import io.checkpointplus.spark.activation.SparkVersionSupport;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * The class users name in {@code spark.plugins}. Each side first asks
 * {@link SparkVersionSupport}, with JDK code only, whether this jar may run on the Spark that
 * loaded it (its Scala binary version and one of the Spark lines the jar was verified on). Only
 * then are the classes that touch Scala and Spark loaded: {@link DriverActivation} on the driver,
 * {@link ExecutorActivation} on executors. Otherwise a native plugin of the Java plugin API alone
 * warns once, records a {@code hook.status} event, and Spark runs as if the plugin were absent.
 */
public final class CheckpointPlusPlugin implements SparkPlugin {
  @Override
  public DriverPlugin driverPlugin() {
    SparkVersionSupport.Verdict verdict = SparkVersionSupport.check();
    return verdict.supported() ? new DriverActivation()
        : new NativeDriverPlugin(verdict);
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    SparkVersionSupport.Verdict verdict = SparkVersionSupport.check();
    return verdict.supported() ? new ExecutorActivation()
        : new NativeExecutorPlugin(verdict);
  }
}
