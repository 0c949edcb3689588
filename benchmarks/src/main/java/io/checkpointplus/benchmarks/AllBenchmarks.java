package io.checkpointplus.benchmarks;

import java.nio.file.Path;
import java.util.Set;

/** Entry point: {@code AllBenchmarks <results dir> [all|interception,reuse,ancestors,write,streaming,scale,audit,query,heap]}. */
public final class AllBenchmarks {
  private AllBenchmarks() {
  }

  public static void main(String[] args) throws Exception {
    Path results = Path.of(args.length > 0 ? args[0] : "benchmarks/target/results");
    Set<String> which = Set.of((args.length > 1 ? args[1] : "all").split(","));
    boolean all = which.contains("all");
    MachineLoad load = MachineLoad.start();
    if (all || which.contains("interception")) {
      InterceptionBenchmark.run(results);
    }
    if (all || which.contains("reuse")) {
      ReuseBenchmark.run(results);
    }
    if (all || which.contains("ancestors")) {
      AncestorsBenchmark.run(results);
    }
    if (all || which.contains("write")) {
      WriteThroughputBenchmark.run(results);
    }
    if (all || which.contains("streaming")) {
      StreamingLatencyBenchmark.run(results);
    }
    if (all || which.contains("scale")) {
      ScaleBenchmark.run(results);
    }
    if (which.contains("heap")) { // about 20 minutes: only when named
      StreamingHeapBenchmark.run(results);
    }
    if (all || which.contains("query")) {
      QueryBatchBenchmark.run(results);
    }
    if (all || which.contains("audit")) {
      AuditOverheadBenchmark.run(results);
    }
    // Every benchmark alternates stock and plugin runs; a busy machine still skews the ratios.
    System.out.println("\nMachine while the benchmarks ran: " + load.stop().describe());
    System.out.println("Results in " + results.toAbsolutePath());
  }
}
