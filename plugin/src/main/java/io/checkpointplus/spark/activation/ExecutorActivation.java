package io.checkpointplus.spark.activation;

import java.util.Map;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;

/**
 * The executor side of the plugin. Checkpoint tasks run plugin code shipped in their closures, so
 * nothing has to be installed on executors yet; this is the place for per-task work.
 */
public final class ExecutorActivation implements ExecutorPlugin {
  @Override
  public void init(PluginContext ctx, Map<String, String> extraConf) {
  }
}
