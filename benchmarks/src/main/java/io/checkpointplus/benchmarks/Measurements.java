package io.checkpointplus.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/** What every benchmark needs: contexts with and without the plugin, medians, a JSON file. */
final class Measurements {
  static final String PLUGIN = "io.checkpointplus.spark.CheckpointPlusPlugin";

  private Measurements() {
  }

  /** A {@code local[2]} SparkContext; with {@code plugin}, loaded the way users load it. */
  static SparkContext context(boolean plugin, Map<String, String> settings) {
    SparkConf conf = new SparkConf(false).setMaster("local[2]").setAppName("benchmark")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1");
    if (plugin) {
      conf.set("spark.plugins", PLUGIN);
    }
    settings.forEach(conf::set);
    return new SparkContext(conf);
  }

  /** Runs {@code run} {@code warmups} times untimed, then returns the median of {@code reps}. */
  static long medianNanos(int warmups, int reps, LongSupplier run) {
    for (int i = 0; i < warmups; i++) {
      run.getAsLong();
    }
    long[] samples = new long[reps];
    for (int i = 0; i < reps; i++) {
      samples[i] = run.getAsLong();
    }
    Arrays.sort(samples);
    return samples[reps / 2];
  }

  /** Writes a flat JSON object of numbers and strings. */
  static void writeJson(Path file, Map<String, Object> fields) throws IOException {
    Files.createDirectories(file.getParent());
    String body = fields.entrySet().stream().map(e -> "  \"" + e.getKey() + "\": "
        + (e.getValue() instanceof Number ? String.valueOf(e.getValue())
            : "\"" + e.getValue() + "\"")).collect(Collectors.joining(",\n"));
    Files.writeString(file, "{\n" + body + "\n}\n");
  }

  static Map<String, Object> fields() {
    return new LinkedHashMap<>();
  }

  static double ratio(long a, long b) {
    return Math.round(1000.0 * a / b) / 1000.0;
  }
}
