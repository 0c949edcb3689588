package io.checkpointplus.spark.activation;

import io.checkpointplus.spark.CheckpointPlusPlugin;
import io.checkpointplus.spark.config.CheckpointPlusConfig;
import io.checkpointplus.spark.interception.InterceptingDAGScheduler;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * The same jar as a Java agent, for applications whose configuration the plugin cannot reach:
 * a Spark Streaming application restarted from a checkpoint gets the configuration saved in the
 * checkpoint, so a {@code spark.plugins} added at restart is ignored. With
 * {@code --driver-java-options "-javaagent:spark-checkpoint-plus.jar"} (client mode) or
 * {@code spark.driver.extraJavaOptions} (cluster mode), the agent makes the driver's
 * SparkContext load the plugin <em>while it is being constructed</em>, so the plugin activates
 * exactly as through {@code spark.plugins}: at {@code DriverPlugin.registerMetrics}, on the
 * constructor's thread, before any thread can hold the context and submit a job. Settings are
 * {@code spark.checkpointplus.*} JVM system properties on top of the context's configuration.
 *
 * <h2>How the agent reaches the constructor</h2>
 * <ol>
 *   <li><b>Deterministic, for the JVM's first SparkContext.</b> A {@link ClassFileTransformer}
 *       that changes no bytes (no bytecode library needed) is told when Spark's
 *       {@code PluginContainer$} is loaded. The first load happens on the constructor's thread, at
 *       the statement that reads {@code spark.plugins}, after the context's configuration exists.
 *       There the agent reads {@code SparkContext$.contextBeingConstructed} and adds
 *       {@link ContextPlugin} to the context's own {@code spark.plugins}; Spark then loads it
 *       like any plugin. Streaming recovery, the reason the agent exists, starts one context per
 *       JVM, so it always takes this path.</li>
 *   <li><b>An optimisation, for later contexts in the same JVM.</b> The watcher thread polls
 *       {@code contextBeingConstructed} every 10 ms and adds the plugin the same way. Whether it
 *       does so before Spark reads {@code spark.plugins} depends on timing.</li>
 *   <li><b>Too late: fail open.</b> A context the agent did not join while it was being
 *       constructed runs natively, with one WARN line. The agent does not swap the scheduler of
 *       a running context: a thread may have read {@code sc.dagScheduler()} before the swap and
 *       still be inside {@code DAGScheduler.submitJob} (computing partitions, which can take
 *       arbitrarily long) when it takes a job id and posts the job to the old scheduler. That
 *       job is lost if the old event loop is stopped, and never completes if it is not (the
 *       shared TaskScheduler reports its tasks to the new scheduler, and the two schedulers' stage
 *       ids overlap). No check before or after a swap, and no rollback, can exclude that thread,
 *       so a late swap is never safe; {@link
 *       io.checkpointplus.spark.interception.SchedulerSwap} refuses it.</li>
 * </ol>
 *
 * <p>Before any of this, {@link #premain} asks {@link SparkVersionSupport} whether the jar may
 * run on the Spark on the class path; if not, the agent warns once and does nothing.
 *
 * <p>{@link ContextPlugin} removes itself from {@code spark.plugins} in {@code init}, before the
 * constructor goes on: the configuration a Streaming checkpoint saves never names it, so an
 * application can drop the agent again. It has no executor side, so executors need not have the
 * jar at start-up (it is shipped with {@code addJar} for the tasks that need its classes). A
 * context that already loads the plugin through {@code spark.plugins} is left alone.
 */
public final class CheckpointPlusAgent {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointPlusAgent.class);
  private static final String PLUGINS = "spark.plugins";
  /** Loaded by the first SparkContext constructor, where it reads {@code spark.plugins}. */
  private static final String PLUGIN_CONTAINER = "org/apache/spark/internal/plugin/PluginContainer$";

  /** Contexts whose constructor initialized {@link ContextPlugin}. */
  private static final Set<SparkContext> JOINED =
      Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  /**
   * False until Spark's plugin container has been loaded, while the class-loading hook is in
   * place: until then the hook, not the poll, joins the context under construction.
   */
  private static volatile boolean pollConstruction = true;

  private CheckpointPlusAgent() {
  }

  /**
   * Checks first, with JDK code only, that this jar may run on the Spark on the class path; if
   * not, the agent only says so ({@link NativeNotice}): no hook, no watcher, nothing of the
   * agent that touches Scala or Spark ever runs.
   */
  public static void premain(String args, Instrumentation instrumentation) {
    SparkVersionSupport.Verdict verdict = SparkVersionSupport.check();
    if (!verdict.supported()) {
      NativeNotice.install(instrumentation,
          new UnsupportedRuntime(verdict, System::getProperty));
      return;
    }
    try {
      instrumentation.addTransformer(new ConstructionHook());
      pollConstruction = false;
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus agent cannot watch SparkContext construction; it relies on"
          + " polling: {}", t.toString());
    }
    Thread watcher = new Thread(CheckpointPlusAgent::watch, "checkpoint-plus-agent");
    watcher.setDaemon(true);
    watcher.start();
  }

  /** Tells the agent, on a class loading thread, that Spark's plugin container is loading. */
  private static final class ConstructionHook implements ClassFileTransformer {
    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined,
        ProtectionDomain domain, byte[] bytes) {
      if (redefined == null && PLUGIN_CONTAINER.equals(className)) {
        joinContextUnderConstruction();
        pollConstruction = true; // the next context will not load it again
      }
      return null; // no class is changed
    }
  }

  /**
   * On a Spark this jar must not touch: the warning and the {@code hook.status} event (appId
   * unknown), given when Spark loads its plugin container, the moment the agent would have
   * joined the first SparkContext. Not in {@code premain}: before Spark configures logging, the
   * logging back end's default drops warnings. JDK code only.
   */
  private static final class NativeNotice implements ClassFileTransformer {
    private final Instrumentation instrumentation;
    private final UnsupportedRuntime runtime;
    private final AtomicBoolean given = new AtomicBoolean();

    private NativeNotice(Instrumentation instrumentation, UnsupportedRuntime runtime) {
      this.instrumentation = instrumentation;
      this.runtime = runtime;
    }

    static void install(Instrumentation instrumentation, UnsupportedRuntime runtime) {
      NativeNotice notice = new NativeNotice(instrumentation, runtime);
      try {
        instrumentation.addTransformer(notice);
      } catch (RuntimeException e) {
        notice.give(); // at least try now
      }
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined,
        ProtectionDomain domain, byte[] bytes) {
      if (redefined == null && PLUGIN_CONTAINER.equals(className)) {
        give();
      }
      return null; // no class is changed
    }

    private void give() {
      if (given.compareAndSet(false, true)) {
        instrumentation.removeTransformer(this);
        runtime.warn();
        runtime.recordNotInstalled(null);
      }
    }
  }

  private static void watch() {
    SparkContext joined = null;
    SparkContext seen = null;
    try {
      while (true) {
        SparkContext constructing = pollConstruction ? contextUnderConstruction() : null;
        if (constructing != null && constructing != joined && constructing.conf() != null) {
          join(constructing);
          joined = constructing;
        }
        Option<SparkContext> active = SparkContext$.MODULE$.getActive();
        if (active.isDefined() && active.get() != seen) {
          seen = active.get();
          attach(seen);
        }
        Thread.sleep(10); // a poll: nothing to wait on before a SparkContext exists
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus agent stopped: {}", t.toString());
    }
  }

  /**
   * Joins the SparkContext the calling thread may be constructing. Called where Spark is about
   * to read {@code spark.plugins} (by the class-loading hook, or by a test's component that
   * Spark instantiates in the constructor); never throws.
   */
  static void joinContextUnderConstruction() {
    try {
      SparkContext sc = contextUnderConstruction();
      if (sc != null && sc.conf() != null) {
        join(sc);
      }
    } catch (Throwable t) {
      LOG.debug("spark-checkpoint-plus agent could not join a SparkContext under construction", t);
    }
  }

  /** {@code SparkContext$.contextBeingConstructed}, read under Spark's own lock; or null. */
  private static SparkContext contextUnderConstruction() {
    try {
      Field lockField = SparkContext$.class.getDeclaredField("SPARK_CONTEXT_CONSTRUCTOR_LOCK");
      Field contextField = SparkContext$.class.getDeclaredField("contextBeingConstructed");
      lockField.setAccessible(true);
      contextField.setAccessible(true);
      Object lock = lockField.get(SparkContext$.MODULE$);
      Option<?> constructing;
      synchronized (lock) {
        constructing = (Option<?>) contextField.get(SparkContext$.MODULE$);
      }
      return constructing.isDefined() ? (SparkContext) constructing.get() : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // another Spark: only the late path remains, which fails open
    }
  }

  /** Names {@link ContextPlugin} in the configuration of a context under construction. */
  static synchronized void join(SparkContext sc) {
    SparkConf conf = sc.conf();
    List<String> plugins = plugins(conf);
    if (plugins.contains(CheckpointPlusPlugin.class.getName())
        || plugins.contains(ContextPlugin.class.getName())) {
      return;
    }
    plugins.add(ContextPlugin.class.getName());
    conf.set(PLUGINS, String.join(",", plugins));
    LOG.info("spark-checkpoint-plus agent added its plugin to a SparkContext under construction"
        + " (thread {})", Thread.currentThread().getName());
  }

  /** Takes {@link ContextPlugin} out of {@code spark.plugins} again; true if it was there. */
  private static synchronized boolean withdraw(SparkConf conf) {
    List<String> plugins = plugins(conf);
    if (!plugins.removeIf(ContextPlugin.class.getName()::equals)) {
      return false;
    }
    if (plugins.isEmpty()) {
      conf.remove(PLUGINS);
    } else {
      conf.set(PLUGINS, String.join(",", plugins));
    }
    return true;
  }

  private static List<String> plugins(SparkConf conf) {
    List<String> names = new ArrayList<>();
    for (String name : conf.get(PLUGINS, "").split(",")) {
      if (!name.isBlank()) {
        names.add(name.trim());
      }
    }
    return names;
  }

  /**
   * What the watcher does with a context it finds running: nothing if the plugin is active in it
   * (joined during construction, or named in {@code spark.plugins}); otherwise it removes a
   * {@code spark.plugins} entry it added too late and leaves the context native, with one WARN
   * line. It never swaps a running context's scheduler (see the class comment).
   */
  static void attach(SparkContext sc) {
    try {
      boolean addedTooLate = withdraw(sc.conf());
      if (JOINED.contains(sc) || plugins(sc.conf()).contains(CheckpointPlusPlugin.class.getName())
          || sc.dagScheduler().getClass().getName()
              .equals(InterceptingDAGScheduler.class.getName())) {
        return;
      }
      LOG.warn("spark-checkpoint-plus agent found SparkContext {} only after it started{}; it"
          + " runs natively (the plugin joins a context only while it is being constructed)",
          sc.applicationId(), addedTooLate ? " (it read spark.plugins before the agent added"
              + " the plugin)" : "");
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus agent: SparkContext runs natively: {}", t.toString());
    }
  }

  /** The plugin the agent names in {@code spark.plugins}: the driver side only. */
  public static final class ContextPlugin implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
      return new JoinedDriver();
    }

    @Override
    public ExecutorPlugin executorPlugin() {
      return null;
    }
  }

  /** {@link DriverActivation} with the agent's settings, in a context the agent joined. */
  private static final class JoinedDriver implements DriverPlugin {
    private final DriverActivation activation = new DriverActivation();
    private SparkContext sc;
    private AgentPluginContext context;

    @Override
    public Map<String, String> init(SparkContext sc, PluginContext sparkContext) {
      // Before anything can save the configuration (a Streaming checkpoint, the event log).
      withdraw(sc.conf());
      JOINED.add(sc);
      this.sc = sc;
      SparkConf conf = sc.conf().clone();
      for (Map.Entry<Object, Object> p : System.getProperties().entrySet()) {
        String key = String.valueOf(p.getKey());
        if (key.startsWith(CheckpointPlusConfig.PREFIX)) {
          conf.set(key, String.valueOf(p.getValue()));
        }
      }
      context = new AgentPluginContext(sc, conf);
      // Invalid settings stop start-up here, as with spark.plugins.
      return activation.init(sc, conf);
    }

    @Override
    public void registerMetrics(String appId, PluginContext sparkContext) {
      shipJar();
      activation.registerMetrics(appId, context);
      context.registerMetrics();
    }

    /** Executors deserialize the plugin's checkpoint data with the tasks: ship them the jar. */
    private void shipJar() {
      try {
        Path jar = Paths.get(CheckpointPlusAgent.class.getProtectionDomain().getCodeSource()
            .getLocation().toURI());
        if (Files.isRegularFile(jar)) {
          sc.addJar(jar.toString());
        }
      } catch (Exception e) {
        LOG.warn("spark-checkpoint-plus agent cannot ship its jar to executors: {}",
            e.toString());
      }
    }

    @Override
    public void shutdown() {
      activation.shutdown();
    }
  }
}
