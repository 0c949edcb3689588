package io.checkpointplus.spark.activation;

import io.checkpointplus.spark.CheckpointPlusPlugin;
import io.checkpointplus.spark.config.CheckpointPlusConfig;
import java.lang.instrument.Instrumentation;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * The same jar as a Java agent, for applications whose configuration the plugin cannot reach:
 * a Spark Streaming application restarted from a checkpoint gets the configuration saved in the
 * checkpoint, so a {@code spark.plugins} added at restart is ignored. With
 * {@code --driver-java-options "-javaagent:spark-checkpoint-plus.jar"} (client mode) or
 * {@code spark.driver.extraJavaOptions} (cluster mode), the agent watches for the driver's
 * SparkContext and attaches the plugin to it before its first job, reading
 * {@code spark.checkpointplus.*} settings from JVM system properties on top of the context's
 * configuration. A context that already loads the plugin through {@code spark.plugins} is left
 * alone; one that has run a job before the agent saw it runs natively (one WARN line).
 */
public final class CheckpointPlusAgent {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointPlusAgent.class);

  private CheckpointPlusAgent() {
  }

  public static void premain(String args, Instrumentation instrumentation) {
    Thread watcher = new Thread(CheckpointPlusAgent::watch, "checkpoint-plus-agent");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static void watch() {
    SparkContext seen = null;
    try {
      while (true) {
        Option<SparkContext> active = SparkContext$.MODULE$.getActive();
        if (active.isDefined() && active.get() != seen) {
          seen = active.get();
          attachQuietly(seen);
        }
        Thread.sleep(10); // a poll: nothing to wait on before a SparkContext exists
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus agent stopped: {}", t.toString());
    }
  }

  /** What the watcher does with a context it found running; for tests. */
  static void attach(SparkContext sc) {
    attachQuietly(sc);
  }

  private static void attachQuietly(SparkContext sc) {
    try {
      if (sc.conf().get("spark.plugins", "").contains(CheckpointPlusPlugin.class.getName())) {
        return; // loaded the ordinary way
      }
      if (sc.dagScheduler().numTotalJobs() > 0) {
        LOG.warn("spark-checkpoint-plus agent found SparkContext {} after its first job; it runs"
            + " natively", sc.applicationId());
        return;
      }
      SparkConf conf = sc.conf().clone();
      for (Map.Entry<Object, Object> p : System.getProperties().entrySet()) {
        String key = String.valueOf(p.getKey());
        if (key.startsWith(CheckpointPlusConfig.PREFIX)) {
          conf.set(key, String.valueOf(p.getValue()));
        }
      }
      // Executors deserialize the plugin's checkpoint data with the tasks: ship them the jar.
      sc.addJar(CheckpointPlusAgent.class.getProtectionDomain().getCodeSource().getLocation()
          .toString());
      AgentPluginContext context = new AgentPluginContext(sc, conf);
      DriverActivation activation = new DriverActivation();
      activation.init(sc, conf);
      activation.registerMetrics(sc.applicationId(), context);
      context.registerMetrics();
      sc.addSparkListener(new SparkListener() {
        @Override
        public void onApplicationEnd(SparkListenerApplicationEnd end) {
          activation.shutdown();
        }
      });
      LOG.info("spark-checkpoint-plus agent attached to SparkContext {}", sc.applicationId());
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus agent could not attach; Spark runs natively: {}",
          t.toString());
    }
  }
}
