package io.checkpointplus.spark.inspector;

import io.checkpointplus.spark.LocalSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * RDD checkpoints written by real Spark for the inspector's tests, with the test JVM's
 * serializer and compression (the build runs the suite with Java serialization and again with
 * Kryo and compressed checkpoints): a 4-partition RDD of {@value #RECORDS} strings and a
 * 3-partition pair RDD with a {@code HashPartitioner} (so a {@code _partitioner} file).
 */
final class RddCheckpoints {
  static final int RECORDS = 1000;

  /** The settings the checkpoints were written with, to pass to the inspector as --conf. */
  final List<String> conf = new ArrayList<>();

  private RddCheckpoints() {
  }

  /** Writes both checkpoints under {@code root} with the plugin, or with stock Spark. */
  static RddCheckpoints write(Path root, boolean withPlugin, Path audit) {
    // A deserialized reuse level: the plugin serializes, and counts, every partition's records
    // (a serialized block would be copied, its records uncounted: ListAndVerifyTest checks a
    // manifest without record counts separately).
    SparkContext sc = withPlugin ? LocalSpark.withPlugin(audit,
        Map.of("spark.checkpointplus.reuse.storageLevel", "MEMORY_AND_DISK"))
        : LocalSpark.stock(Map.of());
    RddCheckpoints made = new RddCheckpoints();
    try {
      sc.setCheckpointDir(root.toString());
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
      List<Integer> numbers = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        numbers.add(i);
      }
      JavaRDD<String> words = jsc.parallelize(numbers, 4).map(i -> "record-" + i);
      words.checkpoint();
      words.count();
      JavaPairRDD<Integer, String> pairs = words.mapToPair(w -> new Tuple2<>(w.length(), w))
          .partitionBy(new HashPartitioner(3));
      pairs.checkpoint();
      pairs.count();
      made.conf.add("--conf");
      made.conf.add("spark.serializer=" + sc.getConf().get("spark.serializer",
          "org.apache.spark.serializer.JavaSerializer"));
      made.conf.add("--conf");
      made.conf.add("spark.checkpoint.compress="
          + io.checkpointplus.spark.files.CheckpointFileManager.isCompressed(sc.getConf()));
    } finally {
      LocalSpark.stop(sc);
    }
    return made;
  }

  /** {@code args} followed by the --conf settings the checkpoints were written with. */
  String[] args(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(conf);
    return all.toArray(new String[0]);
  }

  /** The {@code rdd-N} directories under {@code root}, by RDD id. */
  static List<Path> rddDirs(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().matches("rdd-\\d+"))
          .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString()
              .substring(4))))
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies the tree {@code from} to {@code to}; {@code options} as {@link Files#copy}'s. */
  static void copy(Path from, Path to, java.nio.file.CopyOption... options) {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.collect(Collectors.toList())) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, options);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
