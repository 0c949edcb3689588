package io.checkpointplus.spark.activation;

import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.AuditLog;
import io.checkpointplus.spark.audit.AuditSinkKind;
import io.checkpointplus.spark.audit.CleanupRecorder;
import io.checkpointplus.spark.audit.DefaultJsonLinesSink;
import io.checkpointplus.spark.audit.EventLogSink;
import io.checkpointplus.spark.audit.JsonLinesSink;
import io.checkpointplus.spark.audit.LogSink;
import io.checkpointplus.spark.audit.MetricsSink;
import io.checkpointplus.spark.audit.StreamingMetadataRecorder;
import io.checkpointplus.spark.checkpoint.CheckpointWriter;
import io.checkpointplus.spark.checkpoint.ReuseLedger;
import io.checkpointplus.spark.config.PluginSettings;
import io.checkpointplus.spark.files.CheckpointVerifier;
import io.checkpointplus.spark.files.RetentionSweeper;
import io.checkpointplus.spark.interception.JobSubmissionInterceptor;
import io.checkpointplus.spark.policy.CheckpointPlanner;
import io.checkpointplus.spark.policy.PlanRunner;
import io.checkpointplus.spark.interception.SchedulerSwap;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.util.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.collection.JavaConverters;

/**
 * The driver side of the plugin.
 * <ol>
 *   <li>{@code init} (inside the SparkContext constructor): validates every setting; an invalid
 *       value stops the application here, before any job.</li>
 *   <li>{@code registerMetrics} (the constructor's last step, same thread, before any job):
 *       checks the Spark version, applies {@code spark.checkpointplus.dir}, and swaps in the
 *       intercepting scheduler. Any problem here fails open.</li>
 * </ol>
 */
public final class DriverActivation implements DriverPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(DriverActivation.class);

  private SparkContext sc;
  private SparkConf conf;
  private PluginSettings settings;
  private AuditLog audit;

  @Override
  public Map<String, String> init(SparkContext sc, PluginContext pluginContext) {
    return init(sc, sc.conf());
  }

  /** As Spark's {@code init}, with the settings read from {@code conf}. */
  Map<String, String> init(SparkContext sc, SparkConf conf) {
    this.sc = sc;
    this.conf = conf;
    this.settings = PluginSettings.from(conf);
    if (settings.disabledByEnvironment()) {
      LOG.info("spark-checkpoint-plus is switched off by the environment; Spark runs natively");
    }
    return Collections.emptyMap();
  }

  @Override
  public void registerMetrics(String appId, PluginContext pluginContext) {
    if (!settings.enabled()) {
      return;
    }
    audit = openAudit(appId, pluginContext);
    String sparkVersion = settings.testingSparkVersion().orElse(sc.version());
    try {
      if (!SparkVersionSupport.isVerified(sparkVersion)) {
        throw new UnsupportedOperationException("Spark " + sparkVersion
            + " is outside the verified range " + SparkVersionSupport.VERIFIED_RANGE);
      }
      if (settings.testingFailInstall()) {
        throw new IllegalStateException("installation failure requested by "
            + "spark.checkpointplus.testing.failInstall");
      }
      settings.dir().ifPresent(dir -> {
        if (sc.getCheckpointDir().isEmpty()) {
          sc.setCheckpointDir(dir);
        }
      });
      ReuseLedger reuse = new ReuseLedger(settings.reuseEnabled(), settings.reuseStorageLevel(),
          settings.reuseUnpersistAfter());
      CheckpointPlanner planner = new CheckpointPlanner(settings.ancestorPolicy(),
          settings.ancestorDryRun(), audit);
      RetentionSweeper retention = new RetentionSweeper(settings.retentionEnabled(),
          settings.retentionKeepLast(), settings.retentionOlderThanMs(),
          settings.retentionDryRun(), audit);
      JobSubmissionInterceptor interceptor = new JobSubmissionInterceptor(
          new CheckpointWriter(audit, reuse, settings.filesCommit(), retention), reuse, planner,
          new CheckpointVerifier(settings.filesVerify(), retention, audit),
          settings.maxLineageDepth());
      SchedulerSwap.install(sc, interceptor, new PlanRunner(settings.ancestorParallelism()),
          t -> recordHookStatus(sparkVersion, "degraded", t));
      if (StreamingMetadataRecorder.available()) {
        sc.addSparkListener(new StreamingMetadataRecorder(audit, sc.hadoopConfiguration()));
      }
      sc.cleaner().foreach(cleaner -> {
        cleaner.attachListener(new CleanupRecorder(audit));
        return null;
      });
      recordHookStatus(sparkVersion, "installed", null);
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus is not active, Spark runs natively: {}", t.toString());
      LOG.debug("Hook installation failure", t);
      recordHookStatus(sparkVersion, "not-installed", t);
    }
  }

  private AuditLog openAudit(String appId, PluginContext pluginContext) {
    AuditLog log = new AuditLog(appId, settings.auditQueueSize());
    Set<AuditSinkKind> sinks = settings.auditSinks();
    if (sinks.contains(AuditSinkKind.LOG)) {
      log.addSink(new LogSink());
    }
    if (sinks.contains(AuditSinkKind.JSONL) && settings.auditPath().isEmpty()) {
      log.addSink(new DefaultJsonLinesSink(appId, sc::getCheckpointDir));
    }
    if (sinks.contains(AuditSinkKind.JSONL) && settings.auditPath().isPresent()) {
      String path = settings.auditPath().get();
      try {
        log.addSink(new JsonLinesSink(Paths.get(path)));
      } catch (Exception e) {
        LOG.warn("spark-checkpoint-plus cannot write audit events to {}: {}", path, e.toString());
      }
    }
    if (sinks.contains(AuditSinkKind.EVENTLOG)) {
      log.addSink(new EventLogSink(sc.listenerBus()));
    }
    if (sinks.contains(AuditSinkKind.METRICS)) {
      log.addSink(new MetricsSink(pluginContext.metricRegistry(), log));
    }
    return log;
  }

  private void recordHookStatus(String sparkVersion, String status, Throwable cause) {
    audit.record(audit.event(AuditEvent.Type.HOOK_STATUS)
        .with("status", status)
        .with("sparkVersion", sparkVersion)
        .with("verifiedRange", SparkVersionSupport.VERIFIED_RANGE)
        .with("reason", cause == null ? null : cause.toString())
        .with("configuration", redacted(PluginSettings.effective(conf)))
        .build());
  }

  /** Values of sensitive keys replaced as Spark does it ({@code spark.redaction.regex}). */
  private Map<String, String> redacted(Map<String, String> settings) {
    List<Tuple2<String, String>> pairs = new ArrayList<>();
    settings.forEach((k, v) -> pairs.add(new Tuple2<>(k, v)));
    Map<String, String> out = new LinkedHashMap<>();
    Utils.redact(sc.conf(), JavaConverters.asScalaBufferConverter(pairs).asScala().toSeq())
        .foreach(kv -> out.put(kv._1(), kv._2()));
    return out;
  }

  @Override
  public void shutdown() {
    if (audit != null) {
      audit.close();
    }
  }
}
