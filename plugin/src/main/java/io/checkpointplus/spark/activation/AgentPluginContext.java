package io.checkpointplus.spark.activation;

import com.codahale.metrics.MetricRegistry;
import io.checkpointplus.spark.CheckpointPlusPlugin;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.metrics.source.Source;
import org.apache.spark.resource.ResourceInformation;

/**
 * The plugin context {@link CheckpointPlusAgent} gives {@link DriverActivation}: the context's
 * configuration with the agent's system-property settings on top, and a metric registry
 * registered under the same source name as when the plugin is named in {@code spark.plugins}
 * (Spark's own context for the agent's plugin would use the agent plugin's class name).
 */
final class AgentPluginContext implements PluginContext {
  private final SparkContext sc;
  private final SparkConf conf;
  private final MetricRegistry registry = new MetricRegistry();

  AgentPluginContext(SparkContext sc, SparkConf conf) {
    this.sc = sc;
    this.conf = conf;
  }

  /** Registers the metrics the plugin created with Spark's metrics system. */
  void registerMetrics() {
    if (registry.getMetrics().isEmpty()) {
      return;
    }
    sc.env().metricsSystem().registerSource(new Source() {
      @Override
      public String sourceName() {
        return "plugin." + CheckpointPlusPlugin.class.getName();
      }

      @Override
      public MetricRegistry metricRegistry() {
        return registry;
      }
    });
  }

  @Override
  public MetricRegistry metricRegistry() {
    return registry;
  }

  @Override
  public SparkConf conf() {
    return conf;
  }

  @Override
  public String executorID() {
    return "driver";
  }

  @Override
  public String hostname() {
    return conf.get("spark.driver.host", "localhost");
  }

  @Override
  public Map<String, ResourceInformation> resources() {
    return Map.of();
  }

  @Override
  public void send(Object message) {
    throw new UnsupportedOperationException("no plugin messaging when attached by the agent");
  }

  @Override
  public Object ask(Object message) {
    throw new UnsupportedOperationException("no plugin messaging when attached by the agent");
  }
}
