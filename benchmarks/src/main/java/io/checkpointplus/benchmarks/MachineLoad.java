package io.checkpointplus.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How busy the machine was with work other than this benchmark while it ran: the CPU time every
 * process used (Linux {@code /proc/stat}) less this JVM's own, per second of wall time. A
 * benchmark compares stock Spark with the plugin on two cores; another process taking a fraction
 * of a core skews one side more than the other, so a run above {@link #QUIET_LIMIT_CORES} is
 * flagged and its ratios not reported.
 */
final class MachineLoad {
  /** Other processes' CPU, in cores on average, above which a run is not reported. */
  static final double QUIET_LIMIT_CORES =
      Double.parseDouble(System.getProperty("bench.quietLimitCores", "0.10"));
  private static final Path PROC_STAT = Path.of("/proc/stat");

  private final long startNanos = System.nanoTime();
  private final long startBusyNanos = machineBusyNanos();
  private final long startOwnNanos = ownCpuNanos();

  private MachineLoad() {
  }

  /** Starts measuring now. */
  static MachineLoad start() {
    return new MachineLoad();
  }

  /** What was measured since {@link #start()}. */
  record Reading(double otherCores, double ownCores, long wallMs, boolean known) {
    boolean quiet() {
      return known && otherCores <= QUIET_LIMIT_CORES;
    }

    /** The reading as benchmark JSON fields. */
    void putInto(Map<String, Object> out) {
      out.put("machine_cores", Runtime.getRuntime().availableProcessors());
      out.put("machine_other_processes_cpu_cores", known ? round(otherCores) : -1);
      out.put("benchmark_jvm_cpu_cores", round(ownCores));
      out.put("machine_quiet_limit_cores", QUIET_LIMIT_CORES);
      out.put("machine_verdict", !known ? "unknown" : quiet() ? "quiet" : "loaded");
    }

    /** One line for the console: quiet, or why the figures are not to be reported. */
    String describe() {
      if (!known) {
        return "machine load unknown (no /proc/stat): do not report these figures";
      }
      return String.format("other processes used %.2f cores on average over %d s (limit %.2f):"
          + " %s", otherCores, wallMs / 1000, QUIET_LIMIT_CORES, quiet() ? "quiet"
          : "LOADED, figures flagged and not to be reported");
    }
  }

  Reading stop() {
    long wall = System.nanoTime() - startNanos;
    long busy = machineBusyNanos();
    long own = ownCpuNanos() - startOwnNanos;
    boolean known = busy >= 0 && startBusyNanos >= 0 && own >= 0;
    double ownCores = (double) own / wall;
    double other = known ? Math.max(0, (double) (busy - startBusyNanos - own) / wall) : -1;
    return new Reading(other, ownCores, wall / 1_000_000, known);
  }

  /** CPU time this JVM used, every thread, in nanoseconds. */
  static long ownCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /**
   * Busy CPU time of the whole machine (user, nice, system, irq, softirq, steal) in nanoseconds,
   * or -1 where /proc/stat cannot be read. Guest time is already inside user time.
   */
  private static long machineBusyNanos() {
    try {
      String cpu = Files.readAllLines(PROC_STAT).get(0);
      String[] f = cpu.trim().split("\\s+");
      long ticks = 0;
      for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
        ticks += Long.parseLong(f[i]);
      }
      return ticks * (1_000_000_000L / USER_HZ);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Linux reports /proc/stat in USER_HZ ticks, 100 a second on every architecture it runs. */
  private static final long USER_HZ = 100;

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
