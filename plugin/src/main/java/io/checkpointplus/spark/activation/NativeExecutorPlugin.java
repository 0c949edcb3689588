package io.checkpointplus.spark.activation;

import java.util.Map;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;

/**
 * The executor side on a Spark this jar must not touch: one WARN line in the executor's log, and
 * nothing else. In local mode the executor shares the driver's JVM and log, where
 * {@link NativeDriverPlugin} already warned, so it stays silent there.
 */
public final class NativeExecutorPlugin implements ExecutorPlugin {
  /** Spark's executor id for the executor inside the driver (local mode). */
  private static final String DRIVER = "driver";

  private final SparkVersionSupport.Verdict verdict;

  public NativeExecutorPlugin(SparkVersionSupport.Verdict verdict) {
    this.verdict = verdict;
  }

  @Override
  public void init(PluginContext ctx, Map<String, String> extraConf) {
    try {
      if (!DRIVER.equals(ctx.executorID())) {
        new UnsupportedRuntime(verdict, key -> ctx.conf().get(key, null)).warn();
      }
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable ignored) {
      // Nothing of the plugin may reach the application.
    }
  }
}
