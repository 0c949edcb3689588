package io.checkpointplus.spark.differential;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.differential.ProgramInterpreter.Data;
import io.checkpointplus.spark.differential.ProgramInterpreter.Run;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.SparkContext;

/**
 * Runs batches of programs on stock Spark and with the plugin, one context per configuration
 * and side, and lists every way a plugin run differs from its stock run.
 */
final class DifferentialRunner {
  /** Starts the contexts: stock, and with the plugin writing audit events to a file. */
  interface Contexts {
    SparkContext stock(Map<String, String> settings);

    SparkContext plugin(Path audit, Map<String, String> settings);
  }

  /** One program whose plugin run differed from its stock run. */
  static final class Failure {
    final Program program;
    final List<String> differences;

    Failure(Program program, List<String> differences) {
      this.program = program;
      this.differences = differences;
    }

    /** A short name for the first difference, to group failing seeds by likely cause. */
    String kind() {
      String d = differences.get(0);
      if (d.startsWith("first differing observation")) {
        String[] lines = d.split("\n");
        String stock = lines[1].trim().replaceFirst("^stock: +", "");
        String plugin = lines[2].trim().replaceFirst("^plugin: +", "");
        if (stock.contains("end: live checkpoint-plus")) {
          return "threads left behind";
        }
        if (stock.contains("end: persisted RDDs")) {
          return "persisted RDDs left behind";
        }
        if (stock.contains("end: partitions")) {
          return "partition contents differ (end of program)";
        }
        String stockResult = stock.substring(0, stock.indexOf(" | levels "));
        String pluginResult = plugin.substring(0, plugin.indexOf(" | levels "));
        String op = stockResult.replaceAll("^ *\\d+ r\\d+( = r\\d+)?", "")
            .replaceAll("\\(.*", "").replaceAll(" -> .*", "");
        if (stockResult.equals(pluginResult)) {
          return "storage levels differ after " + op;
        }
        int error = pluginResult.indexOf("ERROR ");
        if (error >= 0) {
          String e = pluginResult.substring(error + 6);
          return "plugin throws " + e.substring(0, Math.min(e.length(), 140))
              .replaceAll("r\\d+", "rN");
        }
        return "result differs at " + op;
      }
      if (d.startsWith("test setup")) {
        return "TEST SETUP: Kryo registration missing";
      }
      if (d.contains("had checkpointed")) {
        return "stock checkpoints an RDD the plugin does not";
      }
      if (d.contains("RDD ids")) {
        return "RDD ids differ under nearest";
      }
      if (d.contains("read by stock")) {
        return "checkpoint does not read back in stock Spark";
      }
      return d.length() > 80 ? d.substring(0, 80) : d;
    }

    String report() {
      return "Program with seed " + program.seed + " differs from stock Spark:\n"
          + program.listing() + "differences:\n  " + String.join("\n  ", differences) + "\n";
    }
  }

  private final Contexts contexts;
  private final boolean ordered;
  private final Path work;

  DifferentialRunner(Contexts contexts, boolean ordered, Path work) {
    this.contexts = contexts;
    this.ordered = ordered;
    this.work = work;
  }

  List<Failure> run(List<Program> programs) {
    Map<DifferentialConfig, List<Program>> byConfig = new EnumMap<>(DifferentialConfig.class);
    for (Program p : programs) {
      byConfig.computeIfAbsent(p.config, c -> new ArrayList<>()).add(p);
    }
    List<Failure> failures = new ArrayList<>();
    for (Map.Entry<DifferentialConfig, List<Program>> batch : byConfig.entrySet()) {
      failures.addAll(runBatch(batch.getKey(), batch.getValue()));
    }
    return failures;
  }

  private List<Failure> runBatch(DifferentialConfig config, List<Program> programs) {
    String batch = config.name();
    List<Run> pluginRuns = new ArrayList<>();
    SparkContext plugin = contexts.plugin(work.resolve(batch + "-audit.jsonl"),
        config.pluginSettings());
    List<String> afterStop;
    try {
      ProgramInterpreter interpreter = new ProgramInterpreter(plugin, ordered);
      for (Program p : programs) {
        pluginRuns.add(interpreter.run(p, work.resolve(batch + "/plugin-" + p.seed)));
        interpreter.cleanUp();
      }
    } finally {
      LocalSpark.stop(plugin);
    }
    afterStop = leftoverAfterStop();

    List<Failure> failures = new ArrayList<>();
    SparkContext stock = contexts.stock(config.sparkSettings());
    try {
      ProgramInterpreter interpreter = new ProgramInterpreter(stock, ordered);
      for (int i = 0; i < programs.size(); i++) {
        Program p = programs.get(i);
        Run stockRun = interpreter.run(p, work.resolve(batch + "/stock-" + p.seed));
        List<String> differences = compare(stockRun.trace, pluginRuns.get(i).trace, config);
        for (String o : stockRun.trace.observations) {
          if (o.contains("is not registered") || o.contains("Failed to register classes")) {
            differences.add(0, "test setup: stock Spark cannot Kryo-serialize this program's"
                + " data; register the class in DifferentialConfig.KRYO_CLASSES: " + o);
            break;
          }
        }
        differences.addAll(readBack(stock, stockRun, pluginRuns.get(i).trace, config));
        if (!differences.isEmpty()) {
          failures.add(new Failure(p, differences));
        }
        interpreter.cleanUp();
      }
    } finally {
      LocalSpark.stop(stock);
    }
    if (!afterStop.isEmpty()) {
      failures.add(new Failure(programs.get(programs.size() - 1), List.of(
          "after the plugin context of batch " + batch + " stopped, threads still alive: "
              + afterStop)));
    }
    return failures;
  }

  /** Every checkpoint-plus-* thread still alive once the plugin's context has stopped. */
  private static List<String> leftoverAfterStop() {
    List<String> alive = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("checkpoint-plus-")
          && !t.getName().equals("checkpoint-plus-agent")) {
        try {
          t.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
          alive.add(t.getName());
        }
      }
    }
    return alive;
  }

  /** How the plugin's trace breaks the contract with stock's; empty if it keeps it. */
  static List<String> compare(Trace stock, Trace plugin, DifferentialConfig config) {
    List<String> differences = new ArrayList<>();
    int n = Math.max(stock.observations.size(), plugin.observations.size());
    for (int i = 0; i < n; i++) {
      String s = i < stock.observations.size() ? stock.observations.get(i) : "(nothing)";
      String p = i < plugin.observations.size() ? plugin.observations.get(i) : "(nothing)";
      if (!s.equals(p)) {
        differences.add("first differing observation:\n    stock:  " + s + "\n    plugin: " + p);
        break;
      }
    }
    // In the background an RDD becomes checkpointed at a later job than in stock Spark (by
    // design, documented); every result and storage level must still be stock's.
    int compared = config.background ? 0
        : Math.min(stock.checkpointed.size(), plugin.checkpointed.size());
    for (int i = 0; i < compared; i++) {
      Set<Integer> missing = new TreeSet<>(stock.checkpointed.get(i));
      missing.removeAll(plugin.checkpointed.get(i));
      if (!missing.isEmpty()) {
        differences.add("after step " + i + " stock Spark had checkpointed "
            + names(stock.checkpointed.get(i)) + ", the plugin only "
            + names(plugin.checkpointed.get(i)) + "; missing " + names(missing));
        break;
      }
    }
    if (config.exactPartitioning() && !stock.relativeIds.equals(plugin.relativeIds)) {
      differences.add("under ancestors.policy=nearest the RDD ids (relative to the program's"
          + " first) differ: stock " + stock.relativeIds + ", plugin " + plugin.relativeIds);
    }
    return differences;
  }

  /** Every checkpoint the plugin wrote, read by stock Spark, holds what stock computes. */
  private static List<String> readBack(SparkContext stock, Run stockRun, Trace plugin,
      DifferentialConfig config) {
    List<String> differences = new ArrayList<>();
    for (Map.Entry<Integer, String> e : plugin.checkpointFiles.entrySet()) {
      int r = e.getKey();
      if (r >= stockRun.pool.size()) {
        continue;
      }
      Data data = stockRun.pool.get(r);
      boolean wholeOnly = data.rangeDependent && !config.exactPartitioning();
      String read;
      try {
        read = ProgramInterpreter.format(ProgramInterpreter.readBack(stock, e.getValue()),
            wholeOnly);
      } catch (Throwable t) {
        read = ProgramInterpreter.error(t);
      }
      String expected;
      try {
        expected = ProgramInterpreter.partitions(data, config);
      } catch (Throwable t) {
        expected = ProgramInterpreter.error(t);
      }
      if (!read.equals(expected)) {
        differences.add("the plugin's checkpoint of r" + r + " (" + e.getValue()
            + ") read by stock Spark:\n    read:     " + read + "\n    expected: " + expected);
      }
    }
    return differences;
  }

  private static String names(Set<Integer> pool) {
    List<String> names = new ArrayList<>();
    pool.forEach(r -> names.add("r" + r));
    return names.toString();
  }
}
