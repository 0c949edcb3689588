package io.checkpointplus.spark.inspector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Checkpoints made once per test JVM and shared, read only, by the inspector's test classes
 * (a test that damages one works on a copy): the RDD checkpoints of stock Spark and of the
 * plugin, and a Spark Streaming application's checkpoint root. Making them is most of what
 * these tests cost.
 */
final class Fixtures {
  private static Path base;
  private static Path stock;
  private static Path plugin;
  private static RddCheckpoints stockMade;
  private static RddCheckpoints pluginMade;
  private static Path streaming;

  private Fixtures() {
  }

  private static synchronized Path base() {
    if (base == null) {
      try {
        base = Files.createTempDirectory("inspector-fixtures");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path dir = base;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
    }
    return base;
  }

  private static void delete(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a temporary directory
    }
  }

  /** The root of the stock Spark RDD checkpoints ({@link RddCheckpoints}). */
  static synchronized Path stock() {
    if (stock == null) {
      Path root = base().resolve("stock");
      stockMade = RddCheckpoints.write(root, false, null);
      stock = root;
    }
    return stock;
  }

  static synchronized RddCheckpoints stockMade() {
    stock();
    return stockMade;
  }

  /** The root of the plugin's RDD checkpoints; its audit file is {@link #pluginAudit()}. */
  static synchronized Path plugin() {
    if (plugin == null) {
      Path root = base().resolve("plugin");
      pluginMade = RddCheckpoints.write(root, true, pluginAudit());
      plugin = root;
    }
    return plugin;
  }

  static synchronized RddCheckpoints pluginMade() {
    plugin();
    return pluginMade;
  }

  static Path pluginAudit() {
    return base().resolve("plugin-audit.jsonl");
  }

  /**
   * A stateful streaming application's checkpoint root (with the plugin, metadata compressed
   * with zstd, a secret in its configuration), after 4 batches.
   */
  static synchronized Path streaming() throws Exception {
    if (streaming == null) {
      Path root = base().resolve("streaming");
      StreamingCheckpoints.run(root, true, 4, Map.of("spark.io.compression.codec", "zstd",
          "spark.inspected.password", "hunter2"));
      streaming = root;
    }
    return streaming;
  }

  /**
   * Skips a test in the build's second run of the suite (Kryo, compressed checkpoints) when
   * nothing it checks depends on the serializer: it would repeat the first run exactly.
   */
  static void onlyWithTheDefaultSerializer() {
    String serializer = System.getProperty("checkpointplus.test.spark.serializer", "");
    Assumptions.assumeTrue(serializer.isEmpty(), "serializer-independent: runs once, with"
        + " Spark's defaults");
  }
}
