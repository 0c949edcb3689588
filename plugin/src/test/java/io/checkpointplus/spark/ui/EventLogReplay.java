package io.checkpointplus.spark.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.ReplayListenerBus;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.status.AppHistoryServerPlugin;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.util.kvstore.InMemoryStore;
import scala.runtime.AbstractFunction1;

/**
 * What the History Server does with an application's event log: the {@code
 * AppHistoryServerPlugin} found through {@code META-INF/services} gives the listener, Spark's
 * {@code ReplayListenerBus} replays the log into a fresh status store, which is then closed
 * (flushed) as {@code FsHistoryProvider.rebuildAppStore} does before the UI reads it.
 */
final class EventLogReplay {
  private EventLogReplay() {
  }

  static InMemoryStore replay(Path events, String appId) throws Exception {
    List<AppHistoryServerPlugin> plugins = new ArrayList<>();
    ServiceLoader.load(AppHistoryServerPlugin.class).forEach(p -> {
      if (p instanceof CheckpointsHistoryServerPlugin) {
        plugins.add(p);
      }
    });
    assertEquals(1, plugins.size(), "registered in META-INF/services");
    InMemoryStore replayedStore = new InMemoryStore();
    ElementTrackingStore store = new ElementTrackingStore(replayedStore,
        new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "false"));
    ReplayListenerBus bus = new ReplayListenerBus();
    scala.collection.Iterator<SparkListener> listeners =
        plugins.get(0).createListeners(new SparkConf(false), store).iterator();
    while (listeners.hasNext()) {
      bus.addListener(listeners.next());
    }
    Path log;
    try (Stream<Path> files = Files.list(events)) {
      log = files.filter(f -> f.getFileName().toString().startsWith(appId)).findFirst()
          .orElseThrow();
    }
    try (InputStream in = Files.newInputStream(log)) {
      assertTrue(bus.replay(in, log.toString(), false, new AbstractFunction1<String, Object>() {
        @Override
        public Object apply(String line) {
          return true;
        }
      }));
    }
    store.close(false);
    return replayedStore;
  }
}
