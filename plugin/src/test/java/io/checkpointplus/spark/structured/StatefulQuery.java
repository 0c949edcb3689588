package io.checkpointplus.spark.structured;

import io.checkpointplus.spark.LocalSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;

/**
 * The stateful query users write: a file source, {@code groupBy().count()} and
 * {@code foreachBatch} output, run with {@code Trigger.AvailableNow} one file per micro-batch,
 * so that every run is a fixed sequence of batches and can be compared with stock Spark's. Any
 * other query runs the same way ({@link #run(Dataset, String, String)}).
 */
public final class StatefulQuery {
  /** Output of the runs of this JVM, in order: "batch N: key=count". */
  private static final List<String> OUTPUT = Collections.synchronizedList(new ArrayList<>());

  private StatefulQuery() {}

  /** Spark settings every run uses: few shuffle partitions, Spark's default state store. */
  public static Map<String, String> settings() {
    return Map.of("spark.sql.shuffle.partitions", "2");
  }

  /** Adds an input file whose lines are {@code words}, newer than every earlier one. */
  public static void addInput(Path input, String name, String... words) {
    try {
      Files.createDirectories(input);
      Path file = input.resolve(name);
      Files.write(file, String.join("\n", words).getBytes(StandardCharsets.UTF_8));
      long newest;
      try (Stream<Path> files = Files.list(input)) {
        newest = files.filter(p -> !p.equals(file)).mapToLong(p -> {
          try {
            return Files.getLastModifiedTime(p).toMillis();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }).max().orElse(1_700_000_000_000L);
      }
      Files.setLastModifiedTime(file, FileTime.fromMillis(newest + 10_000));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs the query on {@code sc} until the input is consumed; returns its output lines. Throws
   * what the query failed with.
   */
  static List<String> run(SparkContext sc, Path input, Path location) throws Exception {
    return run(sc, input, location.toString());
  }

  /** As {@link #run(SparkContext, Path, Path)}, for a location on any file system (a URI). */
  static List<String> run(SparkContext sc, Path input, String location) throws Exception {
    SparkSession spark = SparkSession.builder().sparkContext(sc).getOrCreate();
    return run(spark.readStream().option("maxFilesPerTrigger", 1).text(input.toString())
        .groupBy("value").count(), "update", location);
  }

  /**
   * Runs {@code query} (any streaming query, on the session that built it) with
   * {@code Trigger.AvailableNow} into {@code location}, each micro-batch collected by
   * {@code foreachBatch}; returns its output lines ("batch N: [row, ...]", each row's columns
   * joined by "=", sorted). Throws what the query failed with.
   */
  static List<String> run(Dataset<Row> query, String outputMode, String location)
      throws Exception {
    return run(query, outputMode, location, null);
  }

  /** The word count of {@link #run(SparkContext, Path, Path)} as a query named {@code name}. */
  public static List<String> runNamed(SparkContext sc, Path input, Path location, String name)
      throws Exception {
    SparkSession spark = SparkSession.builder().sparkContext(sc).getOrCreate();
    return run(spark.readStream().option("maxFilesPerTrigger", 1).text(input.toString())
        .groupBy("value").count(), "update", location.toString(), name);
  }

  private static List<String> run(Dataset<Row> query, String outputMode, String location,
      String name) throws Exception {
    int from = OUTPUT.size();
    StreamingQuery running = query.writeStream().outputMode(outputMode)
        .queryName(name)
        .option("checkpointLocation", location)
        .trigger(Trigger.AvailableNow())
        .foreachBatch((VoidFunction2<Dataset<Row>, Long>) (batch, id) -> {
          List<String> rows = batch.collectAsList().stream().map(r -> r.mkString("="))
              .sorted().collect(Collectors.toList());
          OUTPUT.add("batch " + id + ": " + rows);
        })
        .start();
    try {
      running.awaitTermination();
    } finally {
      running.stop();
    }
    synchronized (OUTPUT) {
      return new ArrayList<>(OUTPUT.subList(from, OUTPUT.size()));
    }
  }

  /** One run in a fresh SparkContext, stock or with the plugin; the context is stopped after. */
  public static List<String> runOnce(boolean plugin, Path audit, Path input, Path location,
      Map<String, String> extra) throws Exception {
    return runOnce(plugin, audit, input, location.toString(), extra);
  }

  /** As the other runOnce, for a location on any file system (a URI). */
  public static List<String> runOnce(boolean plugin, Path audit, Path input, String location,
      Map<String, String> extra) throws Exception {
    return inContext(plugin, audit, extra, sc -> run(sc, input, location));
  }

  /** Something run on a SparkContext. */
  interface InContext<T> {
    T run(SparkContext sc) throws Exception;
  }

  /**
   * Runs {@code body} in a fresh SparkContext with {@link #settings()} and {@code extra}, stock
   * (the plugin not loaded at all) or with the plugin; the context is stopped after.
   */
  static <T> T inContext(boolean plugin, Path audit, Map<String, String> extra,
      InContext<T> body) throws Exception {
    Map<String, String> settings = new java.util.HashMap<>(settings());
    settings.putAll(extra);
    SparkContext sc = plugin ? LocalSpark.withPlugin(audit, settings) : LocalSpark.stock(settings);
    try {
      return body.run(sc);
    } finally {
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
      LocalSpark.stop(sc);
    }
  }
}
