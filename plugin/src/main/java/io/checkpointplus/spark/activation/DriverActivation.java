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
import io.checkpointplus.spark.checkpoint.SparkInternals;
import io.checkpointplus.spark.config.CheckpointPlusConfig;
import io.checkpointplus.spark.config.InvalidConfigurationException;
import io.checkpointplus.spark.config.PluginSettings;
import io.checkpointplus.spark.config.Redaction;
import io.checkpointplus.spark.config.TestingFailure;
import io.checkpointplus.spark.files.CheckpointVerifier;
import io.checkpointplus.spark.files.RetentionSweeper;
import io.checkpointplus.spark.interception.JobSubmissionInterceptor;
import io.checkpointplus.spark.policy.BackgroundCheckpoints;
import io.checkpointplus.spark.policy.CheckpointPlanner;
import io.checkpointplus.spark.policy.PlanRunner;
import io.checkpointplus.spark.ui.CheckpointsUi;
import io.checkpointplus.spark.interception.SchedulerSwap;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side of the plugin, loaded only once {@link SparkVersionSupport} found that this
 * jar may run on the Spark that loaded it (its classes link Scala and Spark).
 * <ol>
 *   <li>{@code init} (inside the SparkContext constructor): reads the off switch, then validates
 *       every setting; an invalid value stops the application here, before any job. Switched
 *       off, nothing is refused: one warning lists what was ignored. Anything else that goes
 *       wrong here (a linkage error from another Spark build) fails open.</li>
 *   <li>{@code registerMetrics} (the constructor's last step, same thread, before any job):
 *       checks the Spark version (as {@code spark.checkpointplus.testing.sparkVersion} may
 *       pretend it), applies {@code spark.checkpointplus.dir}, and swaps in the
 *       intercepting scheduler. Any problem here fails open.</li>
 * </ol>
 */
public final class DriverActivation implements DriverPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(DriverActivation.class);

  private SparkContext sc;
  private SparkConf conf;
  private PluginSettings settings;
  private AuditLog audit;
  private RetentionSweeper retention;
  private StreamingMetadataRecorder streamingMetadata;
  private BackgroundCheckpoints background;
  /** Whether {@code spark.checkpointplus.dir} was applied (undone if installation fails). */
  private boolean checkpointDirSet;
  /** Why {@code init} failed open; {@code null} when it did not. */
  private Throwable initFailure;

  @Override
  public Map<String, String> init(SparkContext sc, PluginContext pluginContext) {
    return init(sc, sc.conf());
  }

  /**
   * As Spark's {@code init}, with the settings read from {@code conf}. An invalid setting throws
   * (the application must not start with a configuration it did not mean); a linkage error or
   * anything else unexpected fails open, since the application can run without the plugin.
   */
  Map<String, String> init(SparkContext sc, SparkConf conf) {
    this.sc = sc;
    this.conf = conf;
    try {
      this.settings = PluginSettings.from(conf);
      if (settings.testingFailWith() == TestingFailure.INIT_LINKAGE_ERROR) {
        throw new NoSuchMethodError("injected by spark.checkpointplus.testing.failWith");
      }
      if (!settings.enabled()) {
        logSwitchedOff();
        withdrawQueryCheckpoints();
      }
    } catch (InvalidConfigurationException | VirtualMachineError mustStop) {
      throw mustStop;
    } catch (Throwable t) {
      initFailure = t;
      LOG.warn("spark-checkpoint-plus is not active, Spark runs natively: {}", t.toString());
      LOG.debug("Start-up failure", t);
    }
    return Collections.emptyMap();
  }

  /** One line; a warning when the configuration holds settings the plugin would have refused. */
  private void logSwitchedOff() {
    String by = settings.disabledByEnvironment()
        ? "the environment variable " + CheckpointPlusConfig.ENABLED_ENV + "=false"
        : CheckpointPlusConfig.ENABLED.key() + "=false";
    List<String> ignored = settings.ignoredWhileDisabled();
    if (ignored.isEmpty()) {
      LOG.info("spark-checkpoint-plus is switched off by {}; Spark runs natively", by);
    } else {
      LOG.warn("spark-checkpoint-plus is switched off by {}; Spark runs natively. Ignored {}"
          + " setting(s) it would refuse when on: {}", by, ignored.size(),
          String.join("; ", ignored));
    }
  }

  /**
   * Installs the hook. Fails open: whatever goes wrong (an unverified Spark version, a linkage
   * error from another Spark build, a failing audit sink) gives one WARN line, a
   * {@code hook.status} event and a natively running Spark. A {@link VirtualMachineError} is
   * rethrown: the JVM is then in no state to carry on as if nothing happened.
   */
  @Override
  public void registerMetrics(String appId, PluginContext pluginContext) {
    if (initFailure != null) {
      recordNotInstalledAfterInitFailure(appId, pluginContext);
      return;
    }
    if (!settings.enabled()) {
      return;
    }
    String sparkVersion = settings.testingSparkVersion().orElse(sc.version());
    try {
      audit = openAudit(appId, pluginContext);
      // CheckpointPlusPlugin checked the running Spark before loading this class; this check
      // sees the version spark.checkpointplus.testing.sparkVersion pretends.
      SparkVersionSupport.Verdict verdict = SparkVersionSupport.check(sparkVersion);
      if (!verdict.supported()) {
        LOG.warn("spark-checkpoint-plus is not active, Spark runs natively: {}",
            verdict.reason());
        recordHookStatus(sparkVersion, "not-installed", verdict.reason());
        withdrawQueryCheckpoints();
        return;
      }
      install(sparkVersion);
      recordHookStatus(sparkVersion, "installed", null);
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus is not active, Spark runs natively: {}", t.toString());
      LOG.debug("Hook installation failure", t);
      recordHookStatus(sparkVersion, "not-installed", t.toString());
      withdrawQueryCheckpoints();
    }
  }

  /**
   * Where the plugin does not run: a SparkConf restored from a Spark Streaming checkpoint of a
   * run with it must not leave its Structured Streaming manager in force.
   */
  private void withdrawQueryCheckpoints() {
    try {
      if (conf != null && QueryCheckpointActivation.withdraw(conf)) {
        LOG.info("spark-checkpoint-plus gave {} back to Spark (restored from a checkpoint of a run"
            + " with the plugin)", QueryCheckpointActivation.SPARK_KEY);
      }
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.debug("Withdrawing the Structured Streaming file manager", t);
    }
  }

  private void install(String sparkVersion) {
    if (settings.testingFailWith() == TestingFailure.INSTALL_LINKAGE_ERROR) {
      throw new NoClassDefFoundError("injected by spark.checkpointplus.testing.failWith");
    }
    if (settings.testingFailWith() == TestingFailure.INSTALL_VM_ERROR) {
      throw new StackOverflowError("injected by spark.checkpointplus.testing.failWith");
    }
    if (settings.testingFailInstall()) {
      throw new IllegalStateException("installation failure requested by "
          + "spark.checkpointplus.testing.failInstall");
    }
    // Every refusal comes before the first side effect: a vendor's Spark with other scheduler
    // signatures must find nothing of the plugin behind (no directory set, no thread).
    if (settings.testingFailWith() == TestingFailure.UNBOUND_SCHEDULER) {
      throw new UnsupportedOperationException("the interception does not bind to this Spark"
          + " (injected by spark.checkpointplus.testing.failWith)");
    }
    SchedulerSwap.requireBinding();
    try {
      installChecked(sparkVersion);
    } catch (Throwable t) {
      undoInstall();
      throw t;
    }
  }

  /** After a failed {@link #installChecked}: what it started or set is stopped or unset. */
  private void undoInstall() {
    try {
      if (background != null) {
        background.close();
        background = null;
      }
      if (retention != null) {
        retention.close();
        retention = null;
      }
      if (checkpointDirSet) {
        sc.checkpointDir_$eq(scala.Option.empty());
      }
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.debug("Undoing a failed installation", t);
    }
  }

  private void installChecked(String sparkVersion) {
    if (settings.uiEnabled()) {
      attachCheckpointsUi(sparkVersion);
    }
    settings.dir().ifPresent(dir -> {
      if (sc.getCheckpointDir().isEmpty()) {
        sc.setCheckpointDir(dir);
        checkpointDirSet = true;
      }
    });
    ReuseLedger reuse = new ReuseLedger(settings.reuseEnabled(), settings.reuseStorageLevel(),
        settings.reuseUnpersistAfter());
    CheckpointPlanner planner = new CheckpointPlanner(settings.ancestorPolicy(),
        settings.ancestorDryRun(), audit);
    retention = new RetentionSweeper(settings.retentionEnabled(),
        settings.retentionKeepLast(), settings.retentionOlderThanMs(),
        settings.retentionIncludeUnowned(), settings.retentionDryRun(), audit);
    // The owner marker protects this application's directory from any application's
    // retention, so it is kept fresh even where this one's retention is off.
    retention.start(sc.applicationId(), sc.appName(), sc::getCheckpointDir,
        sc.hadoopConfiguration(), reason -> recordHookStatus(sparkVersion, "degraded", reason));
    JobSubmissionInterceptor interceptor = new JobSubmissionInterceptor(
        new CheckpointWriter(audit, settings.filesCommit(), retention, settings.writeByteCopy()),
        reuse, planner,
        new CheckpointVerifier(settings.filesVerify(), retention, audit), settings.maxLineageDepth());
    boolean streamingInBackground = settings.streamingBackgroundWrite();
    if (streamingInBackground && sc.conf().getInt("spark.streaming.concurrentJobs", 1) != 1) {
      // Batches running at once complete and clear their metadata out of order, which the
      // argument that a restart finds its input relies on.
      LOG.warn("spark-checkpoint-plus writes Spark Streaming checkpoints before each batch"
          + " completes, as without {}: spark.streaming.concurrentJobs is not 1",
          CheckpointPlusConfig.STREAMING_BACKGROUND_WRITE.key());
      streamingInBackground = false;
    }
    if (streamingInBackground || settings.rddBackgroundWrite()) {
      if (SparkInternals.canFinishCheckpointsElsewhere()) {
        background = new BackgroundCheckpoints(streamingInBackground, settings.rddBackgroundWrite(),
            reuse);
      } else {
        LOG.warn("spark-checkpoint-plus writes checkpoints before their job completes, as"
            + " without {} and {}: this Spark's checkpoint data has no cpRDD field",
            CheckpointPlusConfig.STREAMING_BACKGROUND_WRITE.key(),
            CheckpointPlusConfig.RDD_BACKGROUND_WRITE.key());
        recordHookStatus(sparkVersion, "degraded", "no background checkpoint writes:"
            + " RDDCheckpointData.cpRDD not found");
      }
    }
    SchedulerSwap.install(sc, interceptor,
        new PlanRunner(settings.ancestorParallelism(), background),
        t -> recordHookStatus(sparkVersion, "degraded", t.toString()));
    if (StreamingMetadataRecorder.available()) {
      streamingMetadata = new StreamingMetadataRecorder(audit, sc.hadoopConfiguration());
      sc.addSparkListener(streamingMetadata);
    }
    sc.cleaner().foreach(cleaner -> {
      cleaner.attachListener(new CleanupRecorder(audit));
      return null;
    });
    if (settings.sqlEnabled()) {
      installQueryCheckpoints(sparkVersion);
    } else {
      withdrawQueryCheckpoints();
    }
  }

  /**
   * Structured Streaming's file manager. A failure leaves Spark's own manager (one WARN, a
   * {@code hook.status} event) and changes nothing else.
   */
  private void installQueryCheckpoints(String sparkVersion) {
    try {
      QueryCheckpointActivation.install(sc.conf(), sc.hadoopConfiguration(), audit,
          Thread.currentThread().getContextClassLoader() != null
              ? Thread.currentThread().getContextClassLoader() : getClass().getClassLoader())
          .ifPresent(what -> LOG.info("spark-checkpoint-plus protects Structured Streaming query"
              + " checkpoints: {}={}", QueryCheckpointActivation.SPARK_KEY, what));
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus leaves Structured Streaming checkpoints to Spark's own file"
          + " manager: {}", t.toString());
      LOG.debug("Structured Streaming installation failure", t);
      recordHookStatus(sparkVersion, "degraded", "no Structured Streaming file manager: " + t);
    }
  }

  /**
   * The Checkpoints tab, first so that its listener sees every event of the plugin. A failure
   * leaves the tab out (one WARN, a {@code hook.status} event) and changes nothing else.
   */
  private void attachCheckpointsUi(String sparkVersion) {
    try {
      CheckpointsUi.attachLive(sc, settings.uiRetainedCheckpoints(),
          settings.uiRetainedQueries(), settings.uiRetainedQueryBatches(),
          settings.auditSinks().contains(io.checkpointplus.spark.audit.AuditSinkKind.EVENTLOG));
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus shows no Checkpoints tab: {}", t.toString());
      LOG.debug("Checkpoints tab failure", t);
      recordHookStatus(sparkVersion, "degraded", "no Checkpoints tab: " + t);
    }
  }

  /**
   * After {@code init} failed open: records the {@code hook.status} event through whatever
   * audit sinks the settings (when they could be read) or the defaults allow.
   */
  private void recordNotInstalledAfterInitFailure(String appId, PluginContext pluginContext) {
    withdrawQueryCheckpoints();
    try {
      if (settings == null) {
        settings = PluginSettings.from(new SparkConf(false), Map.of());
      }
      audit = openAudit(appId, pluginContext);
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.debug("No audit log after the start-up failure", t);
      return;
    }
    recordHookStatus(sc.version(), "not-installed", initFailure.toString());
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
      // Posted on the recording thread: the bus stops before the plugin's shutdown, so events
      // must not wait in the plugin's queue to reach the event log.
      log.addImmediateSink(new EventLogSink(sc.listenerBus()));
    }
    if (sinks.contains(AuditSinkKind.METRICS)) {
      log.addSink(new MetricsSink(pluginContext.metricRegistry(), log));
    }
    return log;
  }

  /** Never throws (but a {@link VirtualMachineError}): the audit must not reach the app. */
  private void recordHookStatus(String sparkVersion, String status, String reason) {
    if (audit == null) {
      return;
    }
    try {
      audit.record(audit.event(AuditEvent.Type.HOOK_STATUS)
          .with("status", status)
          .with("sparkVersion", sparkVersion)
          .with("verifiedRange", SparkVersionSupport.verifiedRange())
          .with("reason", reason)
          .with("configuration", Redaction.from(conf).apply(PluginSettings.effective(conf)))
          .build());
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus could not record its hook status: {}", t.toString());
    }
  }

  @Override
  public void shutdown() {
    if (background != null) {
      try {
        background.close();
      } catch (RuntimeException | LinkageError e) {
        LOG.warn("spark-checkpoint-plus could not stop its background checkpoint writer: {}",
            e.toString());
      }
    }
    if (retention != null) {
      try {
        retention.close();
      } catch (RuntimeException | LinkageError e) {
        LOG.warn("spark-checkpoint-plus could not stop its retention thread: {}", e.toString());
      }
    }
    if (streamingMetadata != null) {
      try {
        streamingMetadata.close(10_000);
      } catch (RuntimeException | LinkageError e) {
        LOG.warn("spark-checkpoint-plus could not stop its streaming metadata recorder: {}",
            e.toString());
      }
    }
    if (audit == null) {
      return;
    }
    io.checkpointplus.spark.structured.QueryLocationAudit.uninstall(audit);
    try {
      audit.close();
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus could not close its audit log: {}", t.toString());
    }
  }
}
