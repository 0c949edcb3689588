package io.checkpointplus.spark.ui;

import io.checkpointplus.spark.audit.CheckpointPlusListenerEvent;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.util.kvstore.InMemoryStore;

/**
 * Measures what the tab costs, as a figure to read rather than a timed assertion: 10,000
 * checkpoints' events through the listener into Spark's in-memory store (live), and the history
 * page with 1,000 rows rendered. Run from the worktree root:
 * {@code mvn -q -o -pl plugin/scala-2.12 test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.checkpointplus.spark.ui.CheckpointsTabCost}
 */
public final class CheckpointsTabCost {
  private CheckpointsTabCost() {
  }

  public static void main(String[] args) {
    int checkpoints = 10_000;
    List<Map<String, Object>> events = CheckpointsListenerTest.events(checkpoints);
    for (int round = 1; round <= 3; round++) {
      ElementTrackingStore store = new ElementTrackingStore(new InMemoryStore(),
          new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "false"));
      CheckpointsListener listener = new CheckpointsListener(store, 1000);
      List<CheckpointPlusListenerEvent> posted = events.stream()
          .map(CheckpointPlusListenerEvent::new).toList();
      long start = System.nanoTime();
      posted.forEach(listener::onOtherEvent);
      long listenerMs = (System.nanoTime() - start) / 1_000_000;
      CheckpointsQueries queries = new CheckpointsQueries(store);
      start = System.nanoTime();
      String page = CheckpointsPages.overview(queries, queries.history("id", false, 1, 1000));
      long renderMs = (System.nanoTime() - start) / 1_000_000;
      System.out.printf("round %d: %,d events of %,d checkpoints through the listener in %,d ms"
          + " (%.1f µs/event); history page of %,d rows (%,d KiB of HTML) rendered in %,d ms;"
          + " rows kept %,d, counted %,d%n", round, posted.size(), checkpoints, listenerMs,
          listenerMs * 1000.0 / posted.size(), queries.history("id", false, 1, 1000).rows.size(),
          page.length() / 1024, renderMs, queries.all().size(),
          queries.summary().orElseThrow().started);
    }
  }
}
