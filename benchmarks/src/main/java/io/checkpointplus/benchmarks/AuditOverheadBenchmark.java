package io.checkpointplus.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import com.codahale.metrics.MetricRegistry;
import io.checkpointplus.examples.RealtimeFeatures;
import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.AuditLog;
import io.checkpointplus.spark.audit.EventLogSink;
import io.checkpointplus.spark.audit.JsonLinesSink;
import io.checkpointplus.spark.audit.LogSink;
import io.checkpointplus.spark.audit.MetricsSink;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;

/**
 * What auditing costs a streaming application: {@code RealtimeFeatures} with many small batches,
 * every state checkpointed every batch (three checkpoints a batch, each giving a started and a
 * completed event to every sink), run with all four sinks and with none. A streaming run's wall
 * time is set by its batch clock, so the figure is the JVM's CPU time per run. Runs alternate
 * after a warm-up; medians. On two cores the run-to-run spread of that figure is several
 * percent, larger than the effect, so the cost of one event through all four sinks is also
 * measured directly and set against the CPU time of a batch. Writes {@code audit.json}.
 */
final class AuditOverheadBenchmark {
  private static final int BATCHES = Integer.getInteger("bench.auditBatches", 40);
  private static final int RUNS = 3;

  private AuditOverheadBenchmark() {
  }

  static void run(Path results) throws Exception {
    Path work = Files.createTempDirectory("audit-bench");
    runOnce(work, "warmup", true);
    List<Long> on = new ArrayList<>();
    List<Long> off = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      off.add(runOnce(work, "off-" + i, false));
      on.add(runOnce(work, "on-" + i, true));
    }
    Collections.sort(on);
    Collections.sort(off);
    long onMs = on.get(RUNS / 2);
    long offMs = off.get(RUNS / 2);
    long events = Files.readAllLines(work.resolve("on-0-audit.jsonl")).size();
    double perEventUs = perEventMicros(work);
    double estimatedPercent = 100.0 * events * perEventUs / 1000.0 / offMs;
    Map<String, Object> out = Measurements.fields();
    out.put("batches", BATCHES);
    out.put("audit_events_per_run", events);
    out.put("cpu_ms_sinks_off", offMs);
    out.put("cpu_ms_sinks_on", onMs);
    out.put("ratio_on_vs_off", Measurements.ratio(onMs, offMs));
    out.put("delivery_us_per_event_all_sinks", Math.round(perEventUs * 10) / 10.0);
    out.put("estimated_overhead_percent", Math.round(estimatedPercent * 1000) / 1000.0);
    Measurements.writeJson(results.resolve("audit.json"), out);
    System.out.printf("%nAudit overhead: RealtimeFeatures, %d batches of 250 ms, 3 checkpoints a"
        + " batch, %d events a run; JVM CPU time, median of %d%n", BATCHES, events, RUNS);
    System.out.printf("  sinks off (none)            %8d ms%n", offMs);
    System.out.printf("  sinks on (eventlog, jsonl, log, metrics) %8d ms   ratio %.3f%n", onMs,
        (double) onMs / offMs);
    System.out.printf("  one event through all four sinks: %.1f us; x %d events = %.3f%% of the"
        + " run's CPU time%n", perEventUs, events, estimatedPercent);
  }

  /** CPU cost of delivering one event to all four sinks, measured on the dispatcher. */
  private static double perEventMicros(Path work) throws Exception {
    SparkContext sc = Measurements.context(false, Map.of());
    try {
      AuditLog log = new AuditLog(sc.applicationId(), 100_000);
      log.addSink(new LogSink()).addSink(new JsonLinesSink(work.resolve("micro.jsonl")))
          .addSink(new EventLogSink(sc.listenerBus()))
          .addSink(new MetricsSink(new MetricRegistry(), log));
      int n = 20_000;
      long best = Long.MAX_VALUE;
      for (int round = 0; round < 3; round++) {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          log.record(log.event(AuditEvent.Type.CHECKPOINT_COMPLETED).with("rddId", i)
              .with("dir", "file:/tmp/cp/rdd-" + i).with("partitions", 2).with("bytes", 12_308L)
              .with("records", 2_000L).with("durationMs", 80L).with("partitionsFromCache", 2)
              .with("partitionsRecomputed", 0).with("lineageDepthBefore", 9).build());
        }
        log.flush(60_000);
        best = Math.min(best, System.nanoTime() - start);
      }
      log.close();
      return best / 1000.0 / n;
    } finally {
      sc.stop();
    }
  }

  private static long runOnce(Path work, String name, boolean sinks) throws Exception {
    System.setProperty("spark.plugins", Measurements.PLUGIN);
    System.setProperty("spark.ui.enabled", "false");
    System.setProperty("spark.master", "local[2]");
    System.setProperty("spark.checkpointplus.audit.sinks",
        sinks ? "eventlog,jsonl,log,metrics" : "");
    System.setProperty("spark.checkpointplus.audit.path",
        work.resolve(name + "-audit.jsonl").toString());
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory
        .getOperatingSystemMXBean();
    long start = os.getProcessCpuTime();
    RealtimeFeatures.main(new String[] {"--checkpoint", work.resolve(name + "-cp").toString(),
        "--output", work.resolve(name + "-out").toString(), "--batches", String.valueOf(BATCHES),
        "--batch-ms", "250", "--checkpoint-every", "1"});
    return (os.getProcessCpuTime() - start) / 1_000_000;
  }
}
