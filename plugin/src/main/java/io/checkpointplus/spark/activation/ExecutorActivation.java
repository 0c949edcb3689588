package io.checkpointplus.spark.activation;

import io.checkpointplus.spark.checkpoint.ReusedBlockLocks;
import java.util.Map;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;

/**
 * The executor side of the plugin. Checkpoint tasks run plugin code shipped in their closures;
 * what the plugin does in other tasks starts here ({@link ReusedBlockLocks}).
 */
public final class ExecutorActivation implements ExecutorPlugin {
  @Override
  public void init(PluginContext ctx, Map<String, String> extraConf) {
  }

  @Override
  public void onTaskStart() {
    ReusedBlockLocks.onTaskStart();
  }
}
