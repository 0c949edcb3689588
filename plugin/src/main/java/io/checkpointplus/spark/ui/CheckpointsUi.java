package io.checkpointplus.spark.ui;

import io.checkpointplus.spark.config.CheckpointPlusConfig;
import io.checkpointplus.spark.config.ConfigEntry;
import io.checkpointplus.spark.config.InvalidConfigurationException;
import java.lang.reflect.Method;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.ui.SparkUI;
import org.apache.spark.ui.WebUI;
import org.apache.spark.util.kvstore.KVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the tab is wired into Spark, live and in the History Server, and the one place that
 * chooses the servlet adapter for the running Spark: {@code WebUI.attachHandler} names
 * {@code javax.servlet} on Spark 3 and {@code jakarta.servlet} on Spark 4. The adapter class is
 * loaded by name, so the other API never links.
 */
public final class CheckpointsUi {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointsUi.class);

  private CheckpointsUi() {
  }

  /**
   * On the driver, at installation, when the Spark UI is on and the plugin's events go to the
   * listener bus (audit sink {@code eventlog}): the tab, then its listener on Spark's status
   * queue (it sees every event the plugin posts from now on). Without a UI nothing would read
   * the rows; without the {@code eventlog} sink the tab would stay empty: then nothing is
   * added. Throws on failure, before the listener is registered if the tab could not be
   * attached; the caller fails open.
   */
  public static void attachLive(SparkContext sc, int retained, int retainedQueries,
      int retainedQueryBatches, boolean eventsOnListenerBus) throws ReflectiveOperationException {
    if (sc.ui().isEmpty() || !eventsOnListenerBus) {
      return;
    }
    ElementTrackingStore store = (ElementTrackingStore) sc.statusStore().store();
    CheckpointsListener listener = new CheckpointsListener(store, retained,
        sc.conf().getTimeAsMs("spark.ui.liveUpdate.period", "100ms"),
        new StreamingQueryTracker.QueryRetention(retainedQueries, retainedQueryBatches));
    attachTab(sc.ui().get(), new CheckpointsQueries(store, sc.conf(), listener::liveSummary));
    sc.listenerBus().addToStatusQueue(listener);
  }

  /**
   * The History Server's listener for one replayed application: the summary row is written
   * once, when the replay's store flushes.
   */
  public static CheckpointsListener historyListener(SparkConf conf, ElementTrackingStore store) {
    return new CheckpointsListener(store, setting(conf, CheckpointPlusConfig.UI_RETAINED_CHECKPOINTS),
        -1, new StreamingQueryTracker.QueryRetention(
            setting(conf, CheckpointPlusConfig.UI_RETAINED_QUERIES),
            setting(conf, CheckpointPlusConfig.UI_RETAINED_QUERY_BATCHES)));
  }

  /**
   * The History Server's tab, only for applications whose event log holds the plugin's events.
   * Fails open: the application's other tabs must load whatever happens here.
   */
  public static void setupHistoryUi(SparkUI ui) {
    try {
      KVStore store = ui.store().store();
      // The History Server's configuration: its own spark.redaction.regex applies.
      CheckpointsQueries queries = new CheckpointsQueries(store, ui.conf());
      if (queries.summary().isPresent()) {
        attachTab(ui, queries);
      }
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus: no Checkpoints tab for this application: {}",
          t.toString());
      LOG.debug("Checkpoints tab failure", t);
    }
  }

  /**
   * A {@code spark.checkpointplus.ui.retained*} setting as the History Server's configuration
   * sets it; an invalid value there is reported and the default used (the server serves many
   * applications and must not refuse them all).
   */
  static int setting(SparkConf conf, ConfigEntry<Integer> entry) {
    try {
      return entry.readFrom(conf);
    } catch (InvalidConfigurationException e) {
      LOG.warn("{}; using {}", e.getMessage(), entry.defaultText());
      return entry.parse(entry.defaultText());
    }
  }

  /** Serves {@code /checkpoints/*} through Spark's handler chain (its filters and ACLs). */
  static void attachTab(SparkUI ui, CheckpointsQueries queries)
      throws ReflectiveOperationException {
    CheckpointsTab tab = new CheckpointsTab(ui);
    CheckpointsHttp http = new CheckpointsHttp(queries, tab);
    Method attach = attachHandlerMethod();
    String servletApi = attach.getParameterTypes()[1].getName();
    String adapter;
    if (servletApi.equals("javax.servlet.http.HttpServlet")) {
      adapter = "io.checkpointplus.spark.ui.servlet.JavaxCheckpointsServlet";
    } else if (servletApi.equals("jakarta.servlet.http.HttpServlet")) {
      adapter = "io.checkpointplus.spark.ui.servlet.JakartaCheckpointsServlet";
    } else {
      throw new UnsupportedOperationException("WebUI.attachHandler takes " + servletApi
          + ", neither javax nor jakarta HttpServlet");
    }
    Object servlet = Class.forName(adapter, true, CheckpointsUi.class.getClassLoader())
        .getConstructor(CheckpointsHttp.class).newInstance(http);
    attach.invoke(ui, ui.getBasePath() + "/" + CheckpointsTab.PREFIX, servlet, "/*");
    ui.attachTab(tab);
  }

  private static Method attachHandlerMethod() throws NoSuchMethodException {
    for (Method m : WebUI.class.getMethods()) {
      if (m.getName().equals("attachHandler") && m.getParameterCount() == 3
          && m.getParameterTypes()[0] == String.class
          && m.getParameterTypes()[2] == String.class) {
        return m;
      }
    }
    throw new NoSuchMethodException("WebUI.attachHandler(String, HttpServlet, String)");
  }
}
