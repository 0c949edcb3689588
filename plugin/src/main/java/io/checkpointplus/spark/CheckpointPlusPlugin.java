package io.checkpointplus.spark;

import io.checkpointplus.spark.activation.DriverActivation;
import io.checkpointplus.spark.activation.ExecutorActivation;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * The class users name in {@code spark.plugins}. Everything it does is described in
 * {@link DriverActivation}; executors get {@link ExecutorActivation}.
 */
public final class CheckpointPlusPlugin implements SparkPlugin {
  @Override
  public DriverPlugin driverPlugin() {
    return new DriverActivation();
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorActivation();
  }
}
