package io.checkpointplus.spark.ui;

import io.checkpointplus.spark.audit.CheckpointPlusListenerEvent;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.SparkConf;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.util.kvstore.InMemoryStore;
import org.apache.spark.util.kvstore.KVStore;
import org.apache.spark.util.kvstore.RocksDB;

/**
 * Measures what the tab costs at the defaults, as figures to read rather than timed assertions
 * (CI keeps the structural bounds in {@link CheckpointsBoundsTest}): 1,000 retained checkpoints
 * of 1,000 partitions each through the listener into Spark's in-memory store (live) or RocksDB
 * (the History Server's disk store, {@code spark.history.store.path}); the heap the store
 * retains after GC; each page's median time; and 8 concurrent page loads. Run with the heap of
 * a History Server, from the worktree root:
 * <pre>
 * mvn -q -o -pl plugin/scala-2.12 dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx1g -cp plugin/scala-2.12/target/test-classes:plugin/scala-2.12/target/classes:$(cat /tmp/cp.txt) \
 *   io.checkpointplus.spark.ui.CheckpointsTabCost rocksdb 1000 1000
 * </pre>
 */
public final class CheckpointsTabCost {
  private static final List<String> PAGES = List.of("/", "/api/history", "/api/overview",
      "/details", "/api/details/500");

  private CheckpointsTabCost() {
  }

  public static void main(String[] args) throws Exception {
    String kind = args.length > 0 ? args[0] : "memory";
    int checkpoints = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int partitions = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    long heapBefore = usedHeapAfterGc();
    Path dir = Files.createTempDirectory("checkpoints-tab-cost");
    KVStore kv = kind.equals("rocksdb") ? new RocksDB(dir.toFile()) : new InMemoryStore();
    ElementTrackingStore store = new ElementTrackingStore(kv,
        new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "false"));
    CheckpointsListener listener = new CheckpointsListener(store, 1000, -1);
    long start = System.nanoTime();
    int events = 0;
    for (Map<String, Object> e : CheckpointsListenerTest.events(0)) {
      listener.onOtherEvent(new CheckpointPlusListenerEvent(e));
      events++;
    }
    for (int i = 1; i <= checkpoints; i++) {
      for (Map<String, Object> e : checkpoint(i, partitions)) {
        listener.onOtherEvent(new CheckpointPlusListenerEvent(e));
        events++;
      }
    }
    store.close(false); // as at the end of a History Server replay: the summary is flushed
    long listenerMs = (System.nanoTime() - start) / 1_000_000;
    long retained = usedHeapAfterGc() - heapBefore;
    System.out.printf("%s store, %,d checkpoints of %,d partitions: %,d events through the"
        + " listener in %,d ms; heap retained after GC %,d MiB%n", kind, checkpoints, partitions,
        events, listenerMs, retained >> 20);

    CheckpointsHttp http = new CheckpointsHttp(new CheckpointsQueries(kv), null);
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    System.out.printf("  machine load (1 min) %.2f on %d cores%n",
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors());
    for (String page : PAGES) {
      long[] ms = new long[5];
      long[] cpuMs = new long[5];
      int size = 0;
      for (int round = 0; round < ms.length; round++) {
        long t = System.nanoTime();
        long cpu = threads.getCurrentThreadCpuTime();
        UiResponse r = http.handle(request(page));
        ms[round] = (System.nanoTime() - t) / 1_000_000;
        cpuMs[round] = (threads.getCurrentThreadCpuTime() - cpu) / 1_000_000;
        size = r.body.length();
        if (r.status != 200) {
          throw new IllegalStateException(page + " answered " + r.status + ": " + r.body);
        }
      }
      Arrays.sort(ms);
      Arrays.sort(cpuMs);
      System.out.printf("  %-18s median %,6d ms wall, %,6d ms CPU (max %,d ms wall), %,d KiB%n",
          page, ms[2], cpuMs[2], ms[4], size >> 10);
    }

    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> loads = new ArrayList<>();
    long t = System.nanoTime();
    for (int i = 0; i < 8; i++) {
      loads.add(pool.submit(() -> {
        for (String page : List.of("/", "/api/history", "/details")) {
          http.handle(request(page));
        }
        return null;
      }));
    }
    Throwable failure = null;
    for (Future<?> f : loads) {
      try {
        f.get();
      } catch (java.util.concurrent.ExecutionException e) {
        failure = failure == null ? e.getCause() : failure;
      }
    }
    pool.shutdown();
    System.out.printf("  8 concurrent loads of /, /api/history and /details: %s in %,d ms, max"
        + " heap %,d MiB%n", failure == null ? "all answered" : "failed: " + failure,
        (System.nanoTime() - t) / 1_000_000, Runtime.getRuntime().maxMemory() >> 20);
    kv.close();
  }

  private static UiRequest request(String page) {
    return page.equals("/details") ? new UiRequest(page, Map.of("id", "500"), null)
        : new UiRequest(page, Map.of(), null);
  }

  /** The events of checkpoint {@code i}: its plan's decision, its start, its completion. */
  static List<Map<String, Object>> checkpoint(int i, int partitions) {
    long t = 10_000L * i;
    int rdd = 100 + i;
    String dir = "file:/data/checkpoints/1b4e28ba-2fa1-11d2-883f-0016d3cca427/rdd-" + rdd;
    List<Map<String, Object>> files = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("partition", p);
      f.put("file", String.format("part-%05d", p));
      f.put("bytes", 1_000_000L + p);
      f.put("records", 10_000L + p);
      f.put("crc32c", String.format("%08x", p * 2654435761L & 0xffffffffL));
      f.put("source", p % 2 == 0 ? "cache" : "computed");
      f.put("writePath", "serialized");
      f.put("taskAttemptId", (long) i * partitions + p);
      files.add(f);
    }
    return List.of(
        Map.of("type", "checkpoint.ancestor", "time", t - 1, "rddId", rdd, "planId", (long) i,
            "decision", "checkpoint", "rule", "marked-ancestor", "callSite", "map at App.java:42"),
        Map.of("type", "checkpoint.started", "time", t, "rddId", rdd, "dir", dir,
            "planId", (long) i, "name", "rdd" + i, "callSite", "map at App.java:42",
            "lineageDepthBefore", 3),
        Map.ofEntries(Map.entry("type", "checkpoint.completed"), Map.entry("time", t + 500),
            Map.entry("rddId", rdd), Map.entry("dir", dir), Map.entry("planId", (long) i),
            Map.entry("partitions", partitions),
            Map.entry("bytes", 1_000_000L * partitions), Map.entry("records", 10_000L * partitions),
            Map.entry("durationMs", 500L + i), Map.entry("partitionsFromCache", partitions / 2),
            Map.entry("partitionsRecomputed", partitions - partitions / 2),
            Map.entry("partitionsByteCopied", 0), Map.entry("lineageDepthBefore", 3),
            Map.entry("partitionFiles", files)));
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
