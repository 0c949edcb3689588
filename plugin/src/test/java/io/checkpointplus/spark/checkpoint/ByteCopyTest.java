package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import io.checkpointplus.spark.files.CheckpointManifest;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import scala.Tuple2;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Checkpoint files by byte copy: where a partition's block is stored serialized exactly as the
 * checkpoint would write it (same serializer, same compression, no I/O encryption), the plugin
 * copies the block's bytes into the part file. Stock Spark is the oracle: for the same program,
 * every part file the plugin writes, by byte copy or not, is byte for byte the file a SparkContext
 * without the plugin writes, and stock Spark reads it back. The audit says which path each
 * partition took.
 */
class ByteCopyTest extends WithLocalSpark {
  private static final String JAVA = "org.apache.spark.serializer.JavaSerializer";
  private static final String KRYO = "org.apache.spark.serializer.KryoSerializer";
  private static final int RECORDS = 15_000;
  private static final int PARTITIONS = 3;
  /** "NONE": the application persists nothing, the plugin's reuse persist does. */
  private static final List<String> SERIALIZED_LEVELS = List.of("MEMORY_ONLY_SER",
      "MEMORY_AND_DISK_SER", "DISK_ONLY", "OFF_HEAP", "MEMORY_ONLY_SER_2", "NONE");

  /** Label of the RDD whose partitions after the first are computed by the checkpoint job. */
  private static final String AFTER_TAKE = "NONE, take(1)";

  /** What one checkpointed RDD left: its id, directory and part files' bytes. */
  private record Written(int rddId, String dir, List<byte[]> parts) {
  }

  /** A program: checkpoints some RDDs, each under a label, in the context given. */
  private interface Program extends BiFunction<JavaSparkContext, Path, Map<String, RDD<?>>> {
  }

  private static List<Tuple2<Integer, String>> expected() {
    return IntStream.range(0, RECORDS).mapToObj(ByteCopyTest::record)
        .collect(Collectors.toList());
  }

  private static Tuple2<Integer, String> record(int x) {
    return new Tuple2<>(x, "value-" + (x * 7919L % 10007));
  }

  /** Records of an AnyRef-typed RDD (the Java API's), so spark.serializer writes its blocks. */
  private static JavaRDD<Tuple2<Integer, String>> records(JavaSparkContext jsc) {
    return jsc.parallelize(IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()),
        PARTITIONS).map(ByteCopyTest::record);
  }

  /** Checkpoints one RDD per storage level (NONE: only the plugin persists). */
  private static Map<String, RDD<?>> onePerLevel(JavaSparkContext jsc, Path cp) {
    jsc.setCheckpointDir(cp.toString());
    Map<String, RDD<?>> out = new LinkedHashMap<>();
    for (String level : SERIALIZED_LEVELS) {
      JavaRDD<Tuple2<Integer, String>> rdd = records(jsc);
      if (!level.equals("NONE")) {
        rdd.persist(StorageLevel.fromString(level));
      }
      rdd.checkpoint();
      assertEquals(RECORDS, rdd.count());
      assertTrue(rdd.isCheckpointed(), level);
      // read back through the checkpoint (and, with the plugin, its manifest's verification)
      assertEquals(RECORDS, rdd.count());
      out.put(level, rdd.rdd());
    }
    return out;
  }

  /**
   * take(1) computes partition 0 only: the checkpoint job computes the others, and the block
   * manager stores them (the plugin's serialized reuse persist) before they are copied.
   */
  private static Map<String, RDD<?>> afterTake(JavaSparkContext jsc, Path cp) {
    jsc.setCheckpointDir(cp.toString());
    JavaRDD<Tuple2<Integer, String>> partly = records(jsc);
    partly.checkpoint();
    assertEquals(1, partly.take(1).size());
    assertTrue(partly.isCheckpointed());
    return Map.of(AFTER_TAKE, partly.rdd());
  }

  /** Runs {@code program} in {@code context}, stops it, returns what each RDD wrote. */
  private Map<String, Written> run(SparkContext context, Program program) {
    return run(context, program, c -> { });
  }

  /** As {@link #run(SparkContext, Program)}, with {@code andThen} run in the context last. */
  private Map<String, Written> run(SparkContext context, Program program,
      java.util.function.Consumer<SparkContext> andThen) {
    sc = context;
    Map<String, RDD<?>> rdds = program.apply(new JavaSparkContext(sc),
        tmp.resolve("cp-" + System.nanoTime()));
    Map<String, Written> written = new LinkedHashMap<>();
    rdds.forEach((label, rdd) -> {
      String dir = rdd.getCheckpointFile().get();
      written.put(label, new Written(rdd.id(), dir, partFiles(dir)));
    });
    andThen.accept(sc);
    LocalSpark.stop(sc);
    sc = null;
    return written;
  }

  private static List<byte[]> partFiles(String dir) {
    try (Stream<Path> files = Files.list(Path.of(URI.create(dir)))) {
      List<Path> parts = files.filter(p -> p.getFileName().toString().startsWith("part-"))
          .sorted().collect(Collectors.toList());
      List<byte[]> bytes = new ArrayList<>();
      for (Path p : parts) {
        bytes.add(Files.readAllBytes(p));
      }
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> conf(String serializer, String codec) {
    Map<String, String> conf = new HashMap<>();
    conf.put("spark.serializer", serializer);
    boolean compress = !codec.equals("none");
    conf.put("spark.rdd.compress", String.valueOf(compress));
    conf.put("spark.checkpoint.compress", String.valueOf(compress));
    if (compress) {
      conf.put("spark.io.compression.codec", codec);
    }
    conf.put("spark.memory.offHeap.enabled", "true");
    conf.put("spark.memory.offHeap.size", "32m");
    return conf;
  }

  /** The plugin's {@code checkpoint.completed} event of each labelled RDD. */
  private Map<String, JsonNode> completedEvents(Map<String, Written> written) {
    List<JsonNode> completed = LocalSpark.events(audit(), "checkpoint.completed");
    Map<String, JsonNode> byLabel = new LinkedHashMap<>();
    written.forEach((label, w) -> byLabel.put(label, completed.stream()
        .filter(e -> e.get("rddId").asInt() == w.rddId()).findFirst()
        .orElseThrow(() -> new AssertionError("no checkpoint.completed for " + label))));
    return byLabel;
  }

  private static void assertSameFiles(Map<String, Written> stock, Map<String, Written> plugin) {
    assertEquals(stock.keySet(), plugin.keySet());
    stock.forEach((label, s) -> {
      List<byte[]> p = plugin.get(label).parts();
      assertEquals(s.parts().size(), p.size(), label);
      for (int i = 0; i < p.size(); i++) {
        assertArrayEquals(s.parts().get(i), p.get(i), label + ": part " + i
            + " differs from stock Spark's");
      }
    });
  }

  /** Stock Spark ({@code stock}) reads each checkpoint the plugin wrote, with every record. */
  private static void assertStockReads(SparkContext stock, Map<String, Written> plugin,
      List<?> expected) {
    plugin.forEach((label, w) -> {
      List<Object> read = new ArrayList<>(stock.checkpointFile(w.dir(),
          ClassTag$.MODULE$.<Object>apply(Object.class)).toJavaRDD().collect());
      assertEquals(expected, read, label);
    });
  }

  @ParameterizedTest(name = "serializer={0} compression={1}")
  @CsvSource({JAVA + ",none", KRYO + ",none", JAVA + ",lz4", KRYO + ",lzf",
      JAVA + ",snappy", KRYO + ",zstd"})
  void byteCopiedFilesAreStocksFilesByteForByte(String serializer, String codec)
      throws IOException {
    Map<String, String> conf = conf(serializer, codec);
    // A task that ends holding a block lock fails: a copied block's iterator must be finished.
    conf.put("spark.storage.exceptionOnPinLeak", "true");
    Map<String, Written> plugin = run(LocalSpark.withPlugin(audit(), conf),
        ByteCopyTest::onePerLevel);
    Map<String, Written> stock = run(LocalSpark.stock(conf), ByteCopyTest::onePerLevel,
        context -> assertStockReads(context, plugin, expected()));

    assertSameFiles(stock, plugin);
    completedEvents(plugin).forEach((label, event) -> {
      assertEquals(PARTITIONS, event.get("partitionsByteCopied").asInt(), label + ": " + event);
      assertEquals(PARTITIONS, event.get("partitionsNotCounted").asInt(), label);
      assertFalse(event.hasNonNull("records"), "no partition counted, no count: " + event);
      JsonNode files = event.get("partitionFiles");
      assertEquals(PARTITIONS, files.size(), label);
      for (JsonNode f : files) {
        assertEquals("byte-copy", f.get("writePath").asText(), label + ": " + f);
        assertTrue(f.get("records").isNull(), "records of a copied block are not counted");
        assertTrue(f.get("taskAttemptId").isIntegralNumber(), f.toString());
        assertEquals("cache", f.get("source").asText(), label + ": " + f);
      }
    });
    for (Written w : plugin.values()) {
      CheckpointManifest manifest = CheckpointManifest.parse(Files.readString(
          Path.of(URI.create(w.dir())).resolve(CheckpointManifest.FILE_NAME)));
      for (CheckpointManifest.Entry e : manifest.partitions()) {
        assertNull((Object) e.records(), "not counted: " + e);
      }
    }
  }

  /**
   * Compression differs between blocks and checkpoints (Spark 4.1 and later compress checkpoints
   * by default but not RDD blocks): the serialized bytes are still copied, compressed or
   * decompressed on the way. Compressing the block's bytes gives stock's file only when the
   * serializer never flushes mid-stream (Java serialization); decompressing always does.
   */
  @ParameterizedTest(name = "serializer={0} rdd.compress={1} checkpoint.compress={2} codec={3}")
  @CsvSource({JAVA + ",false,true,lz4", JAVA + ",false,true,lzf", JAVA + ",false,true,snappy",
      JAVA + ",false,true,zstd", JAVA + ",true,false,zstd", KRYO + ",true,false,lz4",
      KRYO + ",true,false,snappy"})
  void blocksCompressedOtherwiseAreRecodedToStocksFiles(String serializer, boolean rddCompress,
      boolean checkpointCompress, String codec) {
    Map<String, String> conf = conf(serializer, "none");
    conf.put("spark.rdd.compress", String.valueOf(rddCompress));
    conf.put("spark.checkpoint.compress", String.valueOf(checkpointCompress));
    conf.put("spark.io.compression.codec", codec);
    conf.put("spark.storage.exceptionOnPinLeak", "true");
    Map<String, Written> plugin = run(LocalSpark.withPlugin(audit(), conf),
        ByteCopyTest::serializedOnly);
    Map<String, Written> stock = run(LocalSpark.stock(conf), ByteCopyTest::serializedOnly,
        context -> assertStockReads(context, plugin, expected()));

    assertSameFiles(stock, plugin);
    JsonNode event = completedEvents(plugin).get("MEMORY_ONLY_SER");
    assertEquals(PARTITIONS, event.get("partitionsByteCopied").asInt(), event.toString());
  }

  @org.junit.jupiter.api.Test
  void partitionsTheCheckpointJobComputesAreCopiedOnceStored() {
    // No exceptionOnPinLeak here: take(1) leaves its one task's iterator half read, holding the
    // lock of the block it stored, in stock Spark as with the plugin.
    Map<String, String> conf = conf(JAVA, "none");
    Map<String, Written> stock = run(LocalSpark.stock(conf), ByteCopyTest::afterTake);
    Map<String, Written> plugin = run(LocalSpark.withPlugin(audit(), conf),
        ByteCopyTest::afterTake);

    assertSameFiles(stock, plugin);
    JsonNode event = completedEvents(plugin).get(AFTER_TAKE);
    assertEquals(1, event.get("partitionsFromCache").asInt(), event.toString());
    assertEquals(PARTITIONS, event.get("partitionsByteCopied").asInt(), event.toString());
    for (JsonNode f : event.get("partitionFiles")) {
      assertEquals("byte-copy", f.get("writePath").asText(), f.toString());
      assertEquals(f.get("partition").asInt() == 0 ? "cache" : "computed",
          f.get("source").asText(), f.toString());
    }
  }

  @org.junit.jupiter.api.Test
  void byteCopyCanBeSwitchedOff() {
    Map<String, String> conf = conf(JAVA, "none");
    Map<String, Written> stock = run(LocalSpark.stock(conf), ByteCopyTest::serializedOnly);
    Map<String, String> off = new HashMap<>(conf);
    off.put("spark.checkpointplus.write.byteCopy", "false");
    Map<String, Written> plugin = run(LocalSpark.withPlugin(audit(), off),
        ByteCopyTest::serializedOnly);

    assertSameFiles(stock, plugin);
    JsonNode event = completedEvents(plugin).get("MEMORY_ONLY_SER");
    assertEquals(0, event.get("partitionsByteCopied").asInt(), event.toString());
    assertEquals(RECORDS, event.get("records").asInt(), event.toString());
  }

  /** Text records under a String ClassTag: Spark's block manager picks Kryo for them itself. */
  static final class ToText extends AbstractFunction1<Integer, String> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public String apply(Integer x) {
      return "text-" + x;
    }
  }

  private static JavaRDD<Tuple2<Integer, String>> persistedAndCheckpointed(JavaSparkContext jsc,
      StorageLevel level) {
    JavaRDD<Tuple2<Integer, String>> rdd = records(jsc).persist(level);
    rdd.checkpoint();
    assertEquals(RECORDS, rdd.count());
    return rdd;
  }

  /** Blocks that do not hold the checkpoint's bytes, or no block at all. */
  private static Map<String, RDD<?>> notCopyable(JavaSparkContext jsc, Path cp) {
    jsc.setCheckpointDir(cp.toString());
    Map<String, RDD<?>> out = new LinkedHashMap<>();
    out.put("MEMORY_ONLY (deserialized)",
        persistedAndCheckpointed(jsc, StorageLevel.MEMORY_ONLY()).rdd());
    RDD<String> text = jsc.parallelize(IntStream.range(0, RECORDS).boxed()
        .collect(Collectors.toList()), PARTITIONS).rdd()
        .map(new ToText(), ClassTag$.MODULE$.apply(String.class));
    text.persist(StorageLevel.MEMORY_ONLY_SER());
    text.checkpoint();
    assertEquals(RECORDS, text.count());
    out.put("String elements", text);
    return out;
  }

  /** Only for serialized levels in a configuration where the serializers and codecs agree. */
  private static Map<String, RDD<?>> serializedOnly(JavaSparkContext jsc, Path cp) {
    jsc.setCheckpointDir(cp.toString());
    return Map.of("MEMORY_ONLY_SER",
        persistedAndCheckpointed(jsc, StorageLevel.MEMORY_ONLY_SER()).rdd());
  }

  /** A partition too large for the memory store: the block is never stored. */
  private static Map<String, RDD<?>> tooLargeToStore(JavaSparkContext jsc, Path cp) {
    jsc.setCheckpointDir(cp.toString());
    String padding = "x".repeat(400); // 4 MB a partition
    JavaRDD<String> big = jsc.parallelize(IntStream.range(0, 20_000).boxed()
        .collect(Collectors.toList()), 2).map(x -> padding + x)
        .persist(StorageLevel.MEMORY_ONLY_SER());
    big.checkpoint();
    assertEquals(20_000, big.count());
    return Map.of("not stored", big.rdd());
  }

  static Stream<Arguments> fallbacks() {
    Map<String, String> plain = conf(JAVA, "none");
    Map<String, String> kryoCheckpointCompressOnly = new HashMap<>(conf(KRYO, "none"));
    kryoCheckpointCompressOnly.put("spark.checkpoint.compress", "true");
    kryoCheckpointCompressOnly.put("spark.io.compression.codec", "snappy");
    Map<String, String> encrypted = new HashMap<>(plain);
    encrypted.put("spark.io.encryption.enabled", "true");
    Map<String, String> smallMemory = new HashMap<>(plain);
    // 2.4 MB of unified memory (no reserved part): a 4 MB partition is never stored.
    smallMemory.put("spark.testing.memory", String.valueOf(4L << 20));
    smallMemory.put("spark.testing.reservedMemory", "0");
    return Stream.of(
        Arguments.of("deserialized level, Kryo auto-picked", plain,
            (Program) ByteCopyTest::notCopyable),
        Arguments.of("spark.checkpoint.compress only, Kryo (it flushes mid-stream)",
            kryoCheckpointCompressOnly, (Program) ByteCopyTest::serializedOnly),
        Arguments.of("I/O encryption", encrypted, (Program) ByteCopyTest::serializedOnly),
        Arguments.of("block not stored", smallMemory, (Program) ByteCopyTest::tooLargeToStore));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fallbacks")
  void elsewhereRecordsAreSerializedAsStockDoes(String name, Map<String, String> conf,
      Program program) {
    Map<String, Written> stock = run(LocalSpark.stock(conf), program);
    Map<String, Written> plugin = run(LocalSpark.withPlugin(audit(), conf), program);

    assertSameFiles(stock, plugin);
    completedEvents(plugin).forEach((label, event) -> {
      assertEquals(0, event.get("partitionsByteCopied").asInt(), label + ": " + event);
      assertEquals(0, event.get("partitionsNotCounted").asInt(), label);
      assertTrue(event.get("records").asInt() > 0, label);
      for (JsonNode f : event.get("partitionFiles")) {
        assertEquals("serialized", f.get("writePath").asText(), label + ": " + f);
        assertTrue(f.get("records").isIntegralNumber(), f.toString());
      }
      if (label.equals("not stored")) {
        assertEquals(0, event.get("partitionsFromCache").asInt(),
            "the block was indeed never stored: " + event);
      }
    });
  }
}
