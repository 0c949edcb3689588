package io.checkpointplus.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * How busy the machine was with work other than this benchmark while it ran: the CPU time of
 * every other process (Linux {@code /proc/[pid]/stat}, user and system time, with that of the
 * children each reaped) per second of wall time. A benchmark compares stock Spark with the
 * plugin on two cores; another process taking a fraction of a core skews one side more than the
 * other, so a run above {@link #QUIET_LIMIT_CORES} is flagged and its ratios not reported.
 *
 * <p>Counted per process, not from the machine's total in {@code /proc/stat}: that total also
 * holds the kernel's interrupt handling and writeback threads working for this benchmark's own
 * disk writes, which flagged I/O-heavy runs on an idle machine. Kernel threads, this JVM and its
 * descendants are left out; a process that started and ended inside the run counts through the
 * parent that reaped it.
 */
final class MachineLoad {
  /** Other processes' CPU, in cores on average, above which a run is not reported. */
  static final double QUIET_LIMIT_CORES =
      Double.parseDouble(System.getProperty("bench.quietLimitCores", "0.10"));
  private static final Path PROC = Path.of("/proc");
  /** {@code PF_KTHREAD} in the flags field of {@code /proc/[pid]/stat}. */
  private static final long KERNEL_THREAD = 0x00200000L;

  private final long startNanos = System.nanoTime();
  private final Map<Long, Long> startTicks = otherProcessTicks();
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
        return "machine load unknown (no /proc): do not report these figures";
      }
      return String.format("other processes used %.2f cores on average over %d s (limit %.2f):"
          + " %s", otherCores, wallMs / 1000, QUIET_LIMIT_CORES, quiet() ? "quiet"
          : "LOADED, figures flagged and not to be reported");
    }
  }

  Reading stop() {
    long wall = System.nanoTime() - startNanos;
    Map<Long, Long> endTicks = otherProcessTicks();
    long own = ownCpuNanos() - startOwnNanos;
    boolean known = startTicks != null && endTicks != null && own >= 0;
    double ownCores = (double) own / wall;
    double other = -1;
    if (known) {
      long ticks = 0;
      for (Map.Entry<Long, Long> e : endTicks.entrySet()) {
        // A pid new since the start counts whole; one reused by the kernel cannot go below 0.
        ticks += Math.max(0, e.getValue() - startTicks.getOrDefault(e.getKey(), 0L));
      }
      other = (double) ticks * (1_000_000_000L / USER_HZ) / wall;
    }
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
   * Every other process's CPU ticks so far (utime, stime, cutime, cstime), by pid; kernel
   * threads, this JVM and its descendants left out. Null where {@code /proc} cannot be read.
   */
  private static Map<Long, Long> otherProcessTicks() {
    Map<Long, long[]> stats = new HashMap<>(); // pid -> {ppid, flags, ticks}
    try (DirectoryStream<Path> pids = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path dir : pids) {
        try {
          String line = Files.readString(dir.resolve("stat"));
          // The command name, in parentheses, may hold spaces: fields are counted after it.
          String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
              + Long.parseLong(f[14]);
          stats.put(Long.parseLong(dir.getFileName().toString()),
              new long[] {Long.parseLong(f[1]), Long.parseLong(f[6]), ticks});
        } catch (IOException | RuntimeException gone) {
          // The process ended while the directory was listed.
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    long self = ProcessHandle.current().pid();
    Map<Long, Long> ticks = new HashMap<>();
    for (Map.Entry<Long, long[]> e : stats.entrySet()) {
      if ((e.getValue()[1] & KERNEL_THREAD) == 0 && !descendsFrom(e.getKey(), self, stats)) {
        ticks.put(e.getKey(), e.getValue()[2]);
      }
    }
    return ticks.isEmpty() ? null : ticks;
  }

  private static boolean descendsFrom(long pid, long ancestor, Map<Long, long[]> stats) {
    for (int depth = 0; pid > 1 && depth < 64; depth++) {
      if (pid == ancestor) {
        return true;
      }
      long[] stat = stats.get(pid);
      if (stat == null) {
        return false;
      }
      pid = stat[0];
    }
    return false;
  }

  /** Linux reports /proc/[pid]/stat in USER_HZ ticks, 100 a second on every architecture it runs. */
  private static final long USER_HZ = 100;

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
