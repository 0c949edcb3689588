package io.checkpointplus.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/** Starts real {@code local[2]} SparkContexts for tests, with or without the plugin. */
public final class LocalSpark {
  public static final String PLUGIN = "io.checkpointplus.spark.CheckpointPlusPlugin";
  private static final ObjectMapper JSON = new ObjectMapper();

  private LocalSpark() {
  }

  /** Spark with the plugin on, its audit events appended to {@code audit}. */
  public static SparkContext withPlugin(Path audit, Map<String, String> settings) {
    SparkConf conf = baseConf().set("spark.plugins", PLUGIN)
        .set("spark.checkpointplus.audit.path", audit.toString());
    settings.forEach(conf::set);
    return new SparkContext(conf);
  }

  /** Stock Spark: the plugin is not loaded at all. */
  public static SparkContext stock(Map<String, String> settings) {
    SparkConf conf = baseConf();
    settings.forEach(conf::set);
    return new SparkContext(conf);
  }

  /**
   * A conf for a cluster of executor JVMs at {@code master} ({@code local-cluster[...]} or a
   * {@code spark://} URL): executors load the test classpath and run with C1 only and the
   * serial collector. Executors live for seconds on a two-core machine, where C2's compile
   * threads and G1's workers compete with the tasks under test; the test JVM itself keeps the
   * defaults (C1's larger frames overflow the stack on deep lineages there).
   */
  public static SparkConf clusterConf(String master, String appName) {
    String classpath = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    return new SparkConf(false).setMaster(master).setAppName(appName)
        .set("spark.ui.enabled", "false")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.executorEnv.SPARK_SCALA_VERSION", System.getenv("SPARK_SCALA_VERSION"))
        .set("spark.executor.extraClassPath", classpath)
        .set("spark.executor.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .set("spark.executor.memory", "1g");
  }

  /**
   * The test JVM's serializer and checkpoint compression: the build runs the whole suite once
   * with Spark's defaults and once with Kryo and compressed checkpoints (see plugin/pom.xml);
   * a test's own settings win.
   */
  private static SparkConf baseConf() {
    SparkConf conf = new SparkConf(false).setMaster("local[2]")
        .setAppName("checkpoint-plus-test")
        .set("spark.ui.enabled", "false")
        .set("spark.driver.host", "127.0.0.1");
    for (String key : MATRIX_KEYS) {
      String value = System.getProperty("checkpointplus.test." + key);
      if (value != null && !value.isEmpty()) {
        conf.set(key, value);
      }
    }
    return conf;
  }

  /** Settings the build varies across its test executions. */
  private static final List<String> MATRIX_KEYS = List.of("spark.serializer",
      "spark.checkpoint.compress");

  /**
   * Stops {@code sc} and waits until no context is active. A context that a fatal error is
   * already stopping on another thread returns from {@code stop()} at once; the next test must
   * not start its own before that other stop is finished.
   */
  public static void stop(SparkContext sc) {
    sc.stop();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (org.apache.spark.SparkContext$.MODULE$.getActive().isDefined()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("SparkContext did not stop within 60 s");
      }
      // Parked between checks: a spin would take one of two cores from the stopping context.
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
  }

  /** The audit events in a JSON Lines file, each line parsed. */
  public static List<JsonNode> events(Path audit) {
    io.checkpointplus.spark.audit.AuditLog.flushAll();
    try {
      if (!Files.exists(audit)) {
        return List.of();
      }
      return Files.readAllLines(audit).stream().map(LocalSpark::parse)
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The events of one type, e.g. {@code checkpoint.completed}. */
  public static List<JsonNode> events(Path audit, String type) {
    return events(audit).stream().filter(e -> e.get("type").asText().equals(type))
        .collect(Collectors.toList());
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException("Not JSON: " + line, e);
    }
  }
}
