package io.checkpointplus.spark.activation;

import java.util.Collections;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.PluginContext;

/**
 * The driver side on a Spark this jar must not touch: one WARN line, a {@code hook.status} event
 * {@code not-installed}, and nothing else. It calls Spark only through the Java plugin API and
 * {@code SparkConf.get(String, String)}; no type of the plugin that links Scala is loaded.
 */
public final class NativeDriverPlugin implements DriverPlugin {
  private final SparkVersionSupport.Verdict verdict;
  private UnsupportedRuntime runtime;

  public NativeDriverPlugin(SparkVersionSupport.Verdict verdict) {
    this.verdict = verdict;
  }

  @Override
  public Map<String, String> init(SparkContext sc, PluginContext pluginContext) {
    try {
      runtime = new UnsupportedRuntime(verdict, key -> pluginContext.conf().get(key, null));
      runtime.warn();
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable ignored) {
      // Nothing of the plugin may reach the application.
    }
    return Collections.emptyMap();
  }

  @Override
  public void registerMetrics(String appId, PluginContext pluginContext) {
    if (runtime != null) {
      runtime.recordNotInstalled(appId);
    }
  }
}
