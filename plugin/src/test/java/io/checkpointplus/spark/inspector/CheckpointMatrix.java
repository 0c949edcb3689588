package io.checkpointplus.spark.inspector;

import io.checkpointplus.spark.LocalSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.HashPartitioner;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag$;
import scala.Tuple2;

/**
 * RDD checkpoints written by real Spark, stock or with the plugin, with Java or Kryo
 * serialization, compressed or not, each with the records it holds per partition: a plain RDD,
 * one with empty partitions (Kryo writes 0-byte part files for them), a pair RDD with a
 * {@code HashPartitioner(4)} (a {@code _partitioner} file) and a 0-partition RDD. Written once
 * per JVM and setting; tests that damage one work on a copy.
 */
final class CheckpointMatrix {
  static final String KRYO = "org.apache.spark.serializer.KryoSerializer";
  static final String JAVA = "org.apache.spark.serializer.JavaSerializer";
  private static final Map<String, CheckpointMatrix> MADE = new HashMap<>();
  private static Path base;

  /** One checkpoint: its directory, the records of each partition, its partitioner. */
  record Written(String name, Path dir, List<List<Object>> partitions,
      Optional<Partitioner> partitioner) {
  }

  final boolean plugin;
  final boolean kryo;
  final boolean compress;
  final Path root;
  final Map<String, Written> checkpoints = new HashMap<>();

  private CheckpointMatrix(boolean plugin, boolean kryo, boolean compress, Path root) {
    this.plugin = plugin;
    this.kryo = kryo;
    this.compress = compress;
    this.root = root;
  }

  /** The checkpoints of one setting, written on first use. */
  static synchronized CheckpointMatrix of(boolean plugin, boolean kryo, boolean compress) {
    String key = (plugin ? "plugin" : "stock") + "-" + (kryo ? "kryo" : "java")
        + (compress ? "-lz4" : "");
    CheckpointMatrix made = MADE.get(key);
    if (made == null) {
      made = new CheckpointMatrix(plugin, kryo, compress, base().resolve(key));
      made.write();
      MADE.put(key, made);
    }
    return made;
  }

  private static Path base() {
    if (base == null) {
      try {
        base = Files.createTempDirectory("verify-matrix");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path dir = base;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
    }
    return base;
  }

  /** The Spark settings these checkpoints were written with (and must be read with). */
  Map<String, String> settings() {
    return Map.of("spark.serializer", kryo ? KRYO : JAVA, "spark.checkpoint.compress",
        String.valueOf(compress));
  }

  /** {@code args} followed by the --conf settings the checkpoints were written with. */
  String[] args(String... args) {
    return args(true, args);
  }

  /**
   * {@code args} followed by the --conf settings the checkpoints were written with, without
   * {@code spark.checkpoint.compress} unless {@code tellCompression}: the inspector must then
   * find the compression in the files, as for an application whose settings are not at hand.
   */
  String[] args(boolean tellCompression, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    settings().forEach((k, v) -> {
      if (tellCompression || !k.equals("spark.checkpoint.compress")) {
        all.add("--conf");
        all.add(k + "=" + v);
      }
    });
    return all.toArray(new String[0]);
  }

  Written get(String name) {
    return checkpoints.get(name);
  }

  private void write() {
    Map<String, String> settings = new HashMap<>(settings());
    // deserialized reuse: the plugin counts the records it writes
    settings.put("spark.checkpointplus.reuse.storageLevel", "MEMORY_AND_DISK");
    SparkContext sc = plugin ? LocalSpark.withPlugin(root.resolveSibling(root.getFileName()
        + "-audit.jsonl"), settings) : LocalSpark.stock(settings);
    try {
      sc.setCheckpointDir(root.toString());
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
      List<Integer> numbers = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        numbers.add(i);
      }
      checkpoint("words", () -> jsc.parallelize(numbers, 4).map(i -> "record-" + i).rdd());
      checkpoint("sparse", () -> jsc.parallelize(List.of(1, 2, 3), 6).map(i -> "only-" + i)
          .rdd());
      checkpoint("pairs", () -> jsc.parallelize(numbers, 3).mapToPair(i -> new Tuple2<>(i % 37,
          "v" + i)).partitionBy(new HashPartitioner(4)).rdd());
      checkpoint("none", () -> jsc.emptyRDD().map(o -> o).rdd());
    } finally {
      LocalSpark.stop(sc);
    }
  }

  /**
   * Checkpoints the RDD {@code make} builds; the records come from a second, identical RDD (a
   * job on the checkpointed one before its checkpoint would keep it from being checkpointed).
   */
  @SuppressWarnings("unchecked")
  private void checkpoint(String name, java.util.function.Supplier<RDD<?>> make) {
    List<List<Object>> partitions = JavaRDD.fromRDD((RDD<Object>) make.get(),
        ClassTag$.MODULE$.AnyRef()).glom().collect();
    RDD<Object> records = (RDD<Object>) make.get();
    Optional<Partitioner> partitioner = Optional.ofNullable(records.partitioner()
        .getOrElse(() -> null));
    records.checkpoint();
    records.count();
    Path dir = Path.of(URI.create(records.getCheckpointFile().get()));
    checkpoints.put(name, new Written(name, dir, partitions, partitioner));
  }

  private static void delete(Path dir) {
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a temporary directory
    }
  }
}
