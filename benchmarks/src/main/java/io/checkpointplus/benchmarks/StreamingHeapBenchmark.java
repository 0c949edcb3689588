package io.checkpointplus.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.Optional;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.api.java.JavaDStream;
import org.apache.spark.streaming.api.java.JavaPairDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;

/**
 * Whether the driver's heap stays flat over a long streaming run with the plugin: a stateful
 * stream ({@code updateStateByKey} over a small, fixed key space) with a state checkpoint every
 * batch, {@code bench.heap.batches} batches (default 10,000) of {@code bench.heap.batchMs} ms
 * (default 100), the audit and the Checkpoints tab's listener on. The heap is read after a full
 * GC every {@code batches / 40} batches; the verdict compares the mean of the last quarter of the
 * readings with the first's (flat: within 5 %). Writes {@code heap.json}.
 */
final class StreamingHeapBenchmark {
  private static final int BATCHES = Integer.getInteger("bench.heap.batches", 10_000);
  private static final long BATCH_MS = Long.getLong("bench.heap.batchMs", 100);
  private static final int KEYS = 1_000;
  private static final int EVENTS = 2_000;

  private StreamingHeapBenchmark() {
  }

  static void run(Path results) throws Exception {
    Path work = Files.createTempDirectory("heap-bench");
    MachineLoad load = MachineLoad.start();
    HeapReadings readings = new HeapReadings(BATCHES, Math.max(1, BATCHES / 40));
    SparkContext sc = Measurements.context(true, Map.of(
        "spark.checkpointplus.audit.path", work.resolve("audit.jsonl").toString(),
        "spark.checkpointplus.audit.sinks", "jsonl,eventlog,metrics"));
    JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(sc),
        Durations.milliseconds(BATCH_MS));
    try {
      ssc.checkpoint(work.resolve("cp").toString());
      JavaPairDStream<Long, Long> state = new JavaDStream<>(new StreamingLatencyBenchmark
          .KeyedRecords(ssc.ssc(), EVENTS, KEYS), StreamingLatencyBenchmark.KeyedRecords.TAG)
          .mapToPair(t -> t)
          .updateStateByKey(StreamingHeapBenchmark::add);
      state.checkpoint(Durations.milliseconds(BATCH_MS));
      state.foreachRDD(rdd -> {
        rdd.count();
      });
      ssc.addStreamingListener(readings);
      ssc.start();
      if (!readings.done.await(BATCHES * BATCH_MS * 20 + 120_000, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(readings.completed + " of " + BATCHES
            + " batches completed in time");
      }
    } finally {
      ssc.stop(true, false);
      deleteRecursively(work);
    }
    List<Long> mb = readings.heapMb;
    int quarter = Math.max(1, mb.size() / 4);
    double first = mean(mb.subList(0, quarter));
    double last = mean(mb.subList(mb.size() - quarter, mb.size()));
    MachineLoad.Reading machine = load.stop();
    Map<String, Object> out = Measurements.fields();
    machine.putInto(out);
    out.put("batches", BATCHES);
    out.put("batch_ms", BATCH_MS);
    out.put("heap_readings", mb.size());
    out.put("heap_after_gc_first_quarter_mb", Math.round(first));
    out.put("heap_after_gc_last_quarter_mb", Math.round(last));
    out.put("ratio_last_vs_first_quarter", Math.round(1000 * last / first) / 1000.0);
    Measurements.writeJson(results.resolve("heap.json"), out);
    System.out.printf("%nDriver heap after GC over %,d batches of %d ms, a state checkpoint every"
        + " batch, with the plugin: first quarter %.0f MB, last quarter %.0f MB (%.3f; flat is"
        + " within 1.05)%n  readings: %s MB%n  machine: %s%n", BATCHES, BATCH_MS, first, last,
        last / first, mb, machine.describe());
  }

  private static Optional<Long> add(List<Long> counts, Optional<Long> total) {
    long sum = total.orElse(0L);
    for (long c : counts) {
      sum += c;
    }
    return Optional.of(sum);
  }

  /** Reads the heap after a full GC every {@code every} completed batches. */
  private static final class HeapReadings implements StreamingListener {
    final List<Long> heapMb = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch done = new CountDownLatch(1);
    private final int wanted;
    private final int every;
    volatile int completed;

    HeapReadings(int wanted, int every) {
      this.wanted = wanted;
      this.every = every;
    }

    @Override
    public void onBatchCompleted(StreamingListenerBatchCompleted batch) {
      int n = ++completed;
      if (n % every == 0 && n <= wanted) {
        System.gc();
        heapMb.add(heapAfterLastGcMb());
      }
      if (n == wanted) {
        done.countDown();
      }
    }
  }

  /**
   * The heap each pool held right after the last collection: what stays, whatever the tasks
   * allocated since (reading the heap's current use would count that).
   */
  private static long heapAfterLastGcMb() {
    long bytes = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
        bytes += pool.getCollectionUsage().getUsed();
      }
    }
    return bytes >> 20;
  }

  private static double mean(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).average().orElse(0);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
