package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializationStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify}'s verdicts where stock Spark and the file listing disagree: good checkpoints
 * that look odd (0-byte Kryo parts, no partitions at all, read with the wrong serializer), and
 * damaged ones that look fine (a stray {@code part-} file, a part count the {@code _partitioner}
 * contradicts, a plugin checkpoint without its {@code _partitioner}, a truncated part the sample
 * skipped, a path with no checkpoint).
 */
class VerifyVerdictsTest {
  @TempDir
  static Path tmp;

  @BeforeEach
  void onceOnly() {
    Fixtures.onlyWithTheDefaultSerializer(); // every test sets its serializer itself
  }

  /** A copy of checkpoint {@code name}'s rdd-N directory, to damage. */
  private static Path copyOf(CheckpointMatrix matrix, String name) {
    Path dir = matrix.get(name).dir();
    Path copy = tmp.resolve(UUID.randomUUID().toString()).resolve(dir.getFileName().toString());
    RddCheckpoints.copy(dir, copy);
    return copy;
  }

  private static InspectorRun verify(CheckpointMatrix matrix, Path dir, String... more) {
    String[] args = new String[more.length + 2];
    args[0] = "verify";
    args[1] = dir.toString();
    System.arraycopy(more, 0, args, 2, more.length);
    return InspectorRun.of(matrix.args(args));
  }

  @Test
  void aKryoCheckpointWithEmptyPartitionsIsIntact() throws Exception {
    CheckpointMatrix kryo = CheckpointMatrix.of(false, true, false);
    Path dir = kryo.get("sparse").dir();
    assertEquals(0, Files.size(dir.resolve("part-00000")), "Kryo writes nothing for an empty"
        + " partition");
    InspectorRun run = verify(kryo, dir);
    assertEquals(0, run.exitCode(), run.toString());
    assertEquals(0, verify(kryo, dir, "--checksum").exitCode());
  }

  @Test
  void aCheckpointOfNoPartitionsIsIntact() {
    for (boolean plugin : new boolean[] {false, true}) {
      CheckpointMatrix matrix = CheckpointMatrix.of(plugin, false, false);
      InspectorRun run = verify(matrix, matrix.get("none").dir());
      assertEquals(0, run.exitCode(), (plugin ? "plugin " : "stock ") + run);
    }
  }

  @Test
  void aKryoCheckpointReadAsJavaSerializationNamesTheSerializer() {
    Path dir = CheckpointMatrix.of(false, true, false).get("words").dir();
    InspectorRun run = InspectorRun.of("verify", dir.toString());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("--conf spark.serializer=org.apache.spark.serializer"
        + ".KryoSerializer"), run.out());
  }

  @Test
  void aStrayPartFileThatStockSparkCannotListIsDamageNamingIt() throws Exception {
    CheckpointMatrix java = CheckpointMatrix.of(false, false, false);
    Path copy = copyOf(java, "words");
    Files.copy(copy.resolve("part-00003"), copy.resolve("part-00003.bak"));
    InspectorRun run = verify(java, copy);
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("part-00003.bak: expected"), run.out());
  }

  @Test
  void aPartCountThePartitionerContradictsIsDamage() throws Exception {
    CheckpointMatrix java = CheckpointMatrix.of(false, false, false);
    Path fewer = copyOf(java, "pairs");
    Files.delete(fewer.resolve("part-00003"));
    Files.deleteIfExists(fewer.resolve(".part-00003.crc"));
    InspectorRun run = verify(java, fewer);
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("_partitioner says 4 partitions, found 3 part files"),
        run.out());

    Path more = copyOf(java, "pairs");
    Files.copy(more.resolve("part-00000"), more.resolve("part-00004"));
    InspectorRun extra = verify(java, more);
    assertEquals(1, extra.exitCode(), extra.toString());
    assertTrue(extra.out().contains("_partitioner says 4 partitions, found 5 part files"),
        extra.out());
  }

  /** What stock Spark reads from a checkpoint directory: partitions, records, partitioner. */
  record SparkRead(int partitions, long records, Integer partitionerCount, String partitioner) {
  }

  /** Reads {@code dir} as stock Spark reads a checkpoint ({@code sc.checkpointFile}). */
  private static SparkRead sparkReads(Map<String, String> settings, Path dir) {
    org.apache.spark.SparkContext sc = io.checkpointplus.spark.LocalSpark.stock(settings);
    try {
      org.apache.spark.rdd.RDD<Object> rdd = sc.checkpointFile(dir.toUri().toString(),
          scala.reflect.ClassTag$.MODULE$.AnyRef());
      org.apache.spark.Partitioner p = rdd.partitioner().getOrElse(() -> null);
      return new SparkRead(rdd.partitions().length, rdd.count(),
          p == null ? null : p.numPartitions(), p == null ? null : p.getClass().getName());
    } finally {
      io.checkpointplus.spark.LocalSpark.stop(sc);
    }
  }

  /**
   * A stock checkpoint of {@code sortByKey(true, 4)} over 400 pairs whose keys take
   * {@code distinctKeys} values: its {@code _partitioner} holds a RangePartitioner, whose
   * partition count is its range bounds plus one (its {@code partitions} field says what was
   * asked for, 4, even where fewer distinct keys made fewer ranges).
   */
  private static Path sortedCheckpoint(String name, Map<String, String> settings,
      int distinctKeys) {
    org.apache.spark.SparkContext sc = io.checkpointplus.spark.LocalSpark.stock(settings);
    try {
      sc.setCheckpointDir(tmp.resolve(name).toString());
      java.util.List<Integer> numbers = new java.util.ArrayList<>();
      for (int i = 0; i < 400; i++) {
        numbers.add(i);
      }
      org.apache.spark.api.java.JavaPairRDD<Integer, String> sorted = new org.apache.spark.api
          .java.JavaSparkContext(sc).parallelize(numbers, 3)
          .mapToPair(i -> new scala.Tuple2<>(i % distinctKeys, "v" + i)).sortByKey(true, 4);
      sorted.checkpoint();
      assertEquals(400, sorted.count());
      assertTrue(sorted.rdd().partitioner().get() instanceof org.apache.spark.RangePartitioner);
      return Path.of(java.net.URI.create(sorted.rdd().getCheckpointFile().get()));
    } finally {
      io.checkpointplus.spark.LocalSpark.stop(sc);
    }
  }

  /** A copy of {@code dir}, to damage. */
  private static Path copyOf(Path dir) {
    Path copy = tmp.resolve(UUID.randomUUID().toString()).resolve(dir.getFileName().toString());
    RddCheckpoints.copy(dir, copy);
    return copy;
  }

  private static String[] withSettings(Map<String, String> settings, String... args) {
    java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(args));
    settings.forEach((k, v) -> {
      all.add("--conf");
      all.add(k + "=" + v);
    });
    return all.toArray(new String[0]);
  }

  /**
   * Review: a stock checkpoint of a sortByKey ({@code _partitioner}: a RangePartitioner of 4
   * partitions) with a part file removed from the end or one added after it. Stock Spark reads
   * it without an error: fewer (more) partitions and records than its partitioner says. verify
   * counted only a HashPartitioner's partitions and called both intact; it must say damaged as
   * it does for a HashPartitioner, with Java serialization and with Kryo, and still call a
   * healthy one intact, including one whose few distinct keys made fewer ranges than asked for.
   */
  @Test
  void aPartCountARangePartitionerContradictsIsDamage() throws Exception {
    for (String serializer : new String[] {CheckpointMatrix.JAVA, CheckpointMatrix.KRYO}) {
      Map<String, String> settings = Map.of("spark.serializer", serializer,
          "spark.checkpoint.compress", "false");
      String kind = serializer.substring(serializer.lastIndexOf('.') + 1) + ": ";
      Path sorted = sortedCheckpoint("sorted-" + serializer.hashCode(),
          settings, 400);
      try (java.util.stream.Stream<Path> parts = Files.list(sorted)) {
        assertEquals(4, parts.filter(p -> p.getFileName().toString().startsWith("part-"))
            .count(), kind + "4 ranges");
      }
      InspectorRun healthy = InspectorRun.of(withSettings(settings, "verify",
          sorted.toString()));
      assertEquals(0, healthy.exitCode(), kind + healthy);

      Path fewer = copyOf(sorted);
      Files.delete(fewer.resolve("part-00003"));
      Files.deleteIfExists(fewer.resolve(".part-00003.crc"));
      SparkRead read = sparkReads(settings, fewer);
      assertEquals(new SparkRead(3, read.records(), 4, "org.apache.spark.RangePartitioner"),
          read, kind + "Spark reads 3 partitions under a partitioner of 4, without an error");
      assertTrue(read.records() < 400, kind + "and fewer records: " + read);
      InspectorRun run = InspectorRun.of(withSettings(settings, "verify", fewer.toString()));
      assertEquals(1, run.exitCode(), kind + run);
      assertTrue(run.out().contains("_partitioner says 4 partitions, found 3 part files"),
          kind + run.out());

      Path more = copyOf(sorted);
      Files.copy(more.resolve("part-00000"), more.resolve("part-00004"));
      SparkRead extra = sparkReads(settings, more);
      assertEquals(5, extra.partitions(), kind + extra);
      assertTrue(extra.records() > 400, kind + extra);
      InspectorRun added = InspectorRun.of(withSettings(settings, "verify", more.toString()));
      assertEquals(1, added.exitCode(), kind + added);
      assertTrue(added.out().contains("_partitioner says 4 partitions, found 5 part files"),
          kind + added.out());

      // two distinct keys: fewer ranges than the 4 the partitioner's "partitions" field says
      Path two = sortedCheckpoint("sorted-two-" + serializer.hashCode(), settings, 2);
      SparkRead twoRead = sparkReads(settings, two);
      assertTrue(twoRead.partitions() < 4 && twoRead.records() == 400
          && twoRead.partitionerCount() == twoRead.partitions(), kind + twoRead);
      InspectorRun twoRun = InspectorRun.of(withSettings(settings, "verify", two.toString()));
      assertEquals(0, twoRun.exitCode(), kind + twoRun);
    }
  }

  /**
   * Review: a damaged {@code _partitioner} holding a RangePartitioner (cut short, .crc gone).
   * Stock Spark reads the records without a partitioner (a WARN); verify calls it damaged, as
   * for a HashPartitioner, naming the file.
   */
  @Test
  void aDamagedRangePartitionerIsDamage() throws Exception {
    for (String serializer : new String[] {CheckpointMatrix.JAVA, CheckpointMatrix.KRYO}) {
      Map<String, String> settings = Map.of("spark.serializer", serializer,
          "spark.checkpoint.compress", "false");
      String kind = serializer.substring(serializer.lastIndexOf('.') + 1) + ": ";
      Path cut = copyOf(sortedCheckpoint("cut-" + serializer.hashCode(), settings, 400));
      byte[] bytes = Files.readAllBytes(cut.resolve("_partitioner"));
      Files.write(cut.resolve("_partitioner"), Arrays.copyOf(bytes, bytes.length - 5));
      Files.delete(cut.resolve("._partitioner.crc"));
      SparkRead read = sparkReads(settings, cut);
      assertEquals(new SparkRead(4, 400, null, null), read, kind + read);
      InspectorRun run = InspectorRun.of(withSettings(settings, "verify", cut.toString()));
      assertEquals(1, run.exitCode(), kind + run);
      assertTrue(run.out().contains("_partitioner: expected"), kind + run.out());
    }
  }

  /**
   * Review: a stock Java checkpoint whose {@code _partitioner} names its class wrongly (one
   * character of org.apache.spark.HashPartitioner or RangePartitioner changed, .crc gone).
   * Stock Spark cannot resolve it and reads the records without a partitioner (a WARN), as for
   * a partitioner cut short, which verify calls damaged; verify said intact. The descriptor's
   * serialVersionUID is the one computed from Spark's partitioner's name: damage.
   */
  @Test
  void aPartitionerWhoseClassNameIsCorruptedIsDamage() throws Exception {
    Map<String, String> java = Map.of("spark.serializer", CheckpointMatrix.JAVA,
        "spark.checkpoint.compress", "false");
    Path hash = copyOf(CheckpointMatrix.of(false, false, false), "pairs");
    Path range = copyOf(sortedCheckpoint("renamed-range", java, 400));
    for (Path dir : new Path[] {hash, range}) {
      byte[] bytes = Files.readAllBytes(dir.resolve("_partitioner"));
      int at = indexOf(bytes, "Partitioner") + 10;
      bytes[at] = 'x';
      Files.write(dir.resolve("_partitioner"), bytes);
      Files.delete(dir.resolve("._partitioner.crc"));
      SparkRead read = sparkReads(java, dir);
      assertEquals(null, read.partitioner(), "Spark drops the partitioner: " + read);
      InspectorRun run = InspectorRun.of(withSettings(java, "verify", dir.toString()));
      assertEquals(1, run.exitCode(), run.toString());
      assertTrue(run.out().contains("_partitioner: expected") && run.out().contains(
          "Partitionex"), run.out());
    }
  }

  @Test
  void aPluginCheckpointWithoutItsPartitionerIsDamage() throws Exception {
    CheckpointMatrix plugin = CheckpointMatrix.of(true, false, false);
    Path missing = copyOf(plugin, "pairs");
    Files.delete(missing.resolve("_partitioner"));
    Files.deleteIfExists(missing.resolve("._partitioner.crc"));
    InspectorRun run = verify(plugin, missing);
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("_partitioner: expected"), run.out());

    Path damaged = copyOf(plugin, "pairs");
    byte[] bytes = Files.readAllBytes(damaged.resolve("_partitioner"));
    Files.write(damaged.resolve("_partitioner"), Arrays.copyOf(bytes, bytes.length / 2));
    Files.deleteIfExists(damaged.resolve("._partitioner.crc"));
    InspectorRun cut = verify(plugin, damaged);
    assertEquals(1, cut.exitCode(), cut.toString());
    assertTrue(cut.out().contains("_partitioner: expected"), cut.out());
  }

  @Test
  void aTruncatedPartOfAStockCheckpointIsFoundWithoutChecksum() throws Exception {
    CheckpointMatrix java = CheckpointMatrix.of(false, false, false);
    for (String part : new String[] {"part-00000", "part-00001", "part-00002", "part-00003"}) {
      Path copy = copyOf(java, "words");
      byte[] bytes = Files.readAllBytes(copy.resolve(part));
      Files.write(copy.resolve(part), Arrays.copyOf(bytes, bytes.length - 3));
      Files.delete(copy.resolve("." + part + ".crc"));
      InspectorRun run = verify(java, copy);
      assertEquals(1, run.exitCode(), part + " " + run);
      assertTrue(run.out().contains(part + ": expected"), run.out());
    }
  }

  @Test
  void aPathWithoutCheckpointsIsNotCalledIntact() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("nothing-here"));
    Files.writeString(empty.resolve("notes.txt"), "not a checkpoint");
    InspectorRun run = InspectorRun.of("verify", empty.toString());
    assertNotEquals(0, run.exitCode(), run.toString());
    assertFalse(run.out().contains("All intact"), run.out());
    assertTrue((run.out() + run.err()).contains("holds no checkpoint"), run.toString());
  }

  /** A record of a class Kryo registered by the application; stored by its registration id. */
  public static final class Registered implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public int value;
  }

  /**
   * Review of issue 19: a stock Kryo checkpoint of classes the application registered holds
   * registration ids, which the inspector cannot resolve (it leaves the application's
   * registrations out): not damage, since Spark with the application's settings reads it.
   */
  @Test
  void aKryoCheckpointOfRegisteredClassesIsNotCalledDamaged() throws Exception {
    Map<String, String> kryo = Map.of("spark.serializer",
        "org.apache.spark.serializer.KryoSerializer", "spark.kryo.classesToRegister",
        Registered.class.getName(), "spark.checkpoint.compress", "false");
    org.apache.spark.SparkContext sc = io.checkpointplus.spark.LocalSpark.stock(kryo);
    Path dir;
    try {
      sc.setCheckpointDir(tmp.resolve("registered").toString());
      org.apache.spark.api.java.JavaRDD<Registered> rdd = new org.apache.spark.api.java
          .JavaSparkContext(sc).parallelize(java.util.List.of(1, 2, 3, 4), 2).map(i -> {
            Registered r = new Registered();
            r.value = i;
            return r;
          });
      rdd.checkpoint();
      assertEquals(4, rdd.count());
      dir = Path.of(java.net.URI.create(rdd.getCheckpointFile().get()));
    } finally {
      io.checkpointplus.spark.LocalSpark.stop(sc);
    }
    InspectorRun run = InspectorRun.of("verify", dir.toString(), "--conf",
        "spark.serializer=org.apache.spark.serializer.KryoSerializer", "--conf",
        "spark.kryo.classesToRegister=" + Registered.class.getName(), "--conf",
        "spark.checkpoint.compress=false");
    assertEquals(0, run.exitCode(), run.toString());
  }

  /**
   * A short uncompressed Kryo part file of a stock checkpoint (no manifest, compression not
   * told) whose class id is damaged: Spark fails reading it. No codec may read it instead: LZ4
   * reads any input shorter than its 21-byte header as an empty stream, "0 records, intact".
   */
  @Test
  void aShortDamagedStockKryoFileIsDamageWhateverCodecCouldReadIt() throws Exception {
    SparkConf conf = new SparkConf(false);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    SerializationStream out = new KryoSerializer(conf).newInstance().serializeStream(bytes);
    out.writeObject("x", scala.reflect.ClassTag$.MODULE$.Any());
    out.close();
    byte[] file = bytes.toByteArray();
    file[0] = 0x7f; // a class id nothing registered
    assertTrue(file.length < 21, file.length + " bytes");
    try (DeserializationStream in = new KryoSerializer(conf).newInstance().deserializeStream(
        new java.io.ByteArrayInputStream(file))) {
      org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
          () -> in.readObject(scala.reflect.ClassTag$.MODULE$.Any()), "Spark fails on it");
    }
    Path rdd = Files.createDirectories(tmp.resolve("short-damaged").resolve("rdd-0"));
    Files.write(rdd.resolve("part-00000"), file);
    String kryo = "spark.serializer=" + KryoSerializer.class.getName();
    InspectorRun run = InspectorRun.of("verify", rdd.toString(), "--conf", kryo);
    assertEquals(1, run.exitCode(), run.toString());
    InspectorRun diff = InspectorRun.of("diff", rdd.toString(), rdd.toString(), "--conf", kryo);
    assertEquals(3, diff.exitCode(), "diff cannot read it: " + diff);
  }

  /** The offset of {@code needle} in {@code bytes}, which must hold it. */
  private static int indexOf(byte[] bytes, String needle) {
    byte[] n = needle.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    outer:
    for (int i = 0; i + n.length <= bytes.length; i++) {
      for (int j = 0; j < n.length; j++) {
        if (bytes[i + j] != n[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError(needle + " not in the file");
  }

  /** A copy of stock checkpoint {@code name} whose {@code part} {@code change} rewrote, no .crc. */
  private static Path damagedCopy(CheckpointMatrix matrix, String name, String part,
      java.util.function.Consumer<byte[]> change) throws Exception {
    Path copy = copyOf(matrix, name);
    byte[] bytes = Files.readAllBytes(copy.resolve(part));
    change.accept(bytes);
    Files.write(copy.resolve(part), bytes);
    Files.delete(copy.resolve("." + part + ".crc"));
    return copy;
  }

  /**
   * Review of issue 19: a Java-serialized stock checkpoint whose record class descriptor names
   * a class of this class path with another serialVersionUID (one bit of scala.Tuple2's
   * flipped, its .crc gone): Spark fails with "local class incompatible"; verify said intact.
   */
  @Test
  void aRecordClassWhoseSerialVersionUidSparkRejectsIsDamage() throws Exception {
    CheckpointMatrix java = CheckpointMatrix.of(false, false, false);
    // the last part too: the other parts hold the class's intact descriptor, read first
    for (String part : new String[] {"part-00000", "part-00003"}) {
      Path copy = damagedCopy(java, "pairs", part, b -> b[indexOf(b, "scala.Tuple2") + 15] ^= 1);
      InspectorRun run = verify(java, copy, "--checksum");
      assertEquals(1, run.exitCode(), part + ": " + run);
      assertTrue(run.out().contains(part) && run.out().contains("scala.Tuple2")
          && run.out().contains("serialVersionUID"), run.out());
    }
  }

  /** Events of an application: two pairs of classes with the same fields, one pair declaring
   * the same serialVersionUID (a class copied and renamed), the other computing theirs. */
  private static Map<String, String> events(boolean withTheSecondOfEachPair) {
    Map<String, String> sources = new java.util.TreeMap<>();
    java.util.function.BiFunction<String, String, String> source = (name, suid) -> "package app;"
        + " public class " + name + " implements java.io.Serializable { " + suid
        + " public int id; public String label;"
        + " public " + name + "(int id) { this.id = id; this.label = \"" + name + "-\" + id; } }";
    sources.put("app.EventA", source.apply("EventA", "private static final long"
        + " serialVersionUID = 1L;"));
    sources.put("app.ClickA", source.apply("ClickA", ""));
    if (withTheSecondOfEachPair) {
      sources.put("app.EventB", source.apply("EventB", "private static final long"
          + " serialVersionUID = 1L;"));
      sources.put("app.ClickB", source.apply("ClickB", ""));
    }
    return sources;
  }

  /**
   * A stock Java checkpoint of application records (EventA, EventB, ClickA, ClickB), written by
   * real Spark with the application's jar ({@code spark.jars}); the test's class path has none
   * of these classes.
   */
  private static Path applicationCheckpoint(Path appJar) {
    org.apache.spark.SparkContext sc = io.checkpointplus.spark.LocalSpark.stock(Map.of(
        "spark.serializer", CheckpointMatrix.JAVA, "spark.checkpoint.compress", "false",
        "spark.jars", appJar.toString()));
    try {
      sc.setCheckpointDir(tmp.resolve("application").toString());
      java.util.List<Integer> numbers = new java.util.ArrayList<>();
      for (int i = 0; i < 400; i++) {
        numbers.add(i);
      }
      String[] classes = {"app.EventA", "app.EventB", "app.ClickA", "app.ClickB"};
      org.apache.spark.api.java.JavaRDD<Object> rdd = new org.apache.spark.api.java
          .JavaSparkContext(sc).parallelize(numbers, 3).map(i -> Class.forName(
              classes[i % 4], true, Thread.currentThread().getContextClassLoader())
              .getConstructor(int.class).newInstance(i));
      rdd.checkpoint();
      assertEquals(400, rdd.count());
      return Path.of(java.net.URI.create(rdd.getCheckpointFile().get()));
    } finally {
      io.checkpointplus.spark.LocalSpark.stop(sc);
    }
  }

  /** verify run with {@code jar} on its class path, as {@code bin/checkpoint-plus --jars}. */
  private static InspectorRun verifyWith(Path jar, String... args) throws Exception {
    Thread t = Thread.currentThread();
    ClassLoader before = t.getContextClassLoader();
    try (java.net.URLClassLoader loader = jar == null ? null : AppBuilds.loader(jar)) {
      if (loader != null) {
        t.setContextClassLoader(loader);
      }
      return InspectorRun.of(args);
    } finally {
      t.setContextClassLoader(before);
    }
  }

  /**
   * Review of issue 19: records of application classes that are not on the inspector's class
   * path cannot be resolved, as Spark's read would with the application's jars: verify cannot
   * tell, and says how to give it the classes. It said intact. With an older build of the
   * application that has only one class of each pair (the same fields; EventA and EventB even
   * declare the same serialVersionUID), the others are still only missing here: "cannot tell",
   * never "damaged". With the application's jar: intact.
   */
  @Test
  void aJavaRecordClassNotOnTheClassPathIsCannotTell() throws Exception {
    Path work = Files.createDirectories(tmp.resolve("app-build"));
    Path appJar = AppBuilds.build(work, "app", events(true));
    Path olderJar = AppBuilds.build(work, "app-older", events(false));
    Path dir = applicationCheckpoint(appJar);
    String[] args = {"verify", dir.toString(), "--checksum", "--json", "--conf",
        "spark.serializer=" + CheckpointMatrix.JAVA, "--conf", "spark.checkpoint.compress=false"};
    InspectorRun run = verifyWith(null, args);
    assertEquals(4, run.exitCode(), run.toString());
    assertEquals("cannot tell", run.json().get("verdict").asText(), run.out());
    assertFalse(run.json().get("intact").asBoolean(), run.out());
    assertTrue(run.out().contains("app.EventB") && run.out().contains("--jars"), run.out());

    InspectorRun older = verifyWith(olderJar, args);
    assertEquals(4, older.exitCode(), older.toString());
    assertTrue(older.out().contains("app.EventB") && older.out().contains("app.ClickB")
        && !older.out().contains("app.EventA is not"), older.out());

    InspectorRun full = verifyWith(appJar, args);
    assertEquals(0, full.exitCode(), full.toString());
  }

  /**
   * Review: a record class descriptor whose name was changed in place (scala.Tuple2 to
   * scala.TupleX in one part file, its .crc gone). Stock Spark fails the read with
   * ClassNotFoundException. verify called it "cannot tell", as for an application class not on
   * its class path; but the descriptor is scala.Tuple2's, as the other descriptors of the
   * checkpoint show: the same fields and the same serialVersionUID, which Tuple2 does not
   * declare, so it is computed from the class name and no class of another name has it. That is
   * damage, naming the part file. So is java.lang.InXeger with java.lang.Integer's declared
   * serialVersionUID and fields (no class outside the JDK can be in a java. package), and a
   * name no class can have ({@code java/lang.Integer}: a '/'). With the .crc kept, the file
   * system's checksum already says so.
   */
  @Test
  void aCorruptedRecordClassNameIsDamage() throws Exception {
    CheckpointMatrix java = CheckpointMatrix.of(false, false, false);
    Path renamed = damagedCopy(java, "pairs", "part-00000",
        b -> b[indexOf(b, "scala.Tuple2") + 11] = 'X');
    Exception sparkFails = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> sparkReads(java.settings(), renamed));
    assertTrue(String.valueOf(sparkFails.getMessage()).contains(
        "ClassNotFoundException: scala.TupleX"), String.valueOf(sparkFails.getMessage()));
    InspectorRun run = verify(java, renamed, "--checksum", "--json");
    assertEquals(1, run.exitCode(), run.toString());
    assertEquals("damaged", run.json().get("verdict").asText(), run.out());
    JsonNode problem = run.json().get("problems").get(0);
    assertTrue(problem.get("file").asText().endsWith("/part-00000")
        && problem.get("found").asText().contains("scala.TupleX")
        && problem.get("found").asText().contains("scala.Tuple2"), run.out());

    // java.lang.Integer declares its serialVersionUID; only the JDK can define a java. class
    Path jdk = damagedCopy(java, "pairs", "part-00001",
        b -> b[indexOf(b, "java.lang.Integer") + 12] = 'X');
    InspectorRun jdkRun = verify(java, jdk, "--json");
    assertEquals(1, jdkRun.exitCode(), jdkRun.toString());
    assertTrue(jdkRun.out().contains("java.lang.InXeger"), jdkRun.out());

    Path slash = damagedCopy(java, "pairs", "part-00001",
        b -> b[indexOf(b, "java.lang.Integer") + 4] = '/');
    InspectorRun invalid = verify(java, slash, "--json");
    assertEquals(1, invalid.exitCode(), invalid.toString());
    assertTrue(invalid.json().get("problems").get(0).get("file").asText().endsWith(
        "/part-00001") && invalid.out().contains("java/lang.Integer"), invalid.out());

    Path withCrc = copyOf(java, "pairs");
    byte[] bytes = Files.readAllBytes(withCrc.resolve("part-00002"));
    bytes[indexOf(bytes, "scala.Tuple2") + 11] = 'X';
    Files.write(withCrc.resolve("part-00002"), bytes); // its .crc no longer matches
    InspectorRun checksummed = verify(java, withCrc);
    assertEquals(1, checksummed.exitCode(), checksummed.toString());
    assertTrue(checksummed.out().contains("part-00002"), checksummed.out());
  }

  /**
   * Review of issue 19: Kryo records of a class not on the class path cannot be read at all;
   * Spark (without that class) fails. verify said "All intact" with a note.
   */
  @Test
  void kryoRecordsOfAClassNotOnTheClassPathAreCannotTell() throws Exception {
    Map<String, String> kryo = Map.of("spark.serializer",
        "org.apache.spark.serializer.KryoSerializer", "spark.checkpoint.compress", "false");
    Path dir = stockCheckpoint("dates", kryo, i -> new java.util.Date(i * 1000L));
    Path part = dir.resolve("part-00000");
    byte[] bytes = Files.readAllBytes(part);
    bytes[indexOf(bytes, "java.util.Dat") + 10] = 'X'; // java.util.Xate
    Files.write(part, bytes);
    Files.deleteIfExists(dir.resolve(".part-00000.crc"));
    InspectorRun run = InspectorRun.of("verify", dir.toString(), "--checksum", "--conf",
        "spark.serializer=org.apache.spark.serializer.KryoSerializer", "--conf",
        "spark.checkpoint.compress=false");
    assertEquals(4, run.exitCode(), run.toString());
    assertTrue(run.out().contains("java.util.Xate") && run.out().contains("--jars"), run.out());
  }

  /**
   * Review of issue 19: a stock checkpoint compressed with zstd, verified as compressed with
   * the default codec (spark.io.compression.codec not given): every part is damaged for LZ4, as
   * for Spark with those settings, and the verdict says which codec the bytes name.
   */
  @Test
  void partsCompressedWithAnotherCodecThanGivenNameIt() throws Exception {
    Map<String, String> zstd = Map.of("spark.serializer",
        "org.apache.spark.serializer.JavaSerializer", "spark.checkpoint.compress", "true",
        "spark.io.compression.codec", "zstd");
    Path dir = stockCheckpoint("zstd", zstd, i -> "v" + i);
    InspectorRun run = InspectorRun.of("verify", dir.toString(), "--conf",
        "spark.checkpoint.compress=true");
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("HINT") && run.out().contains(
        "--conf spark.io.compression.codec=zstd"), run.out());
    assertEquals(0, InspectorRun.of("verify", dir.toString(), "--conf",
        "spark.checkpoint.compress=true", "--conf", "spark.io.compression.codec=zstd")
        .exitCode());
  }

  /** A stock checkpoint, written with {@code settings}, of {@code f} over 1 to 4 in 2 parts. */
  private static Path stockCheckpoint(String name, Map<String, String> settings,
      org.apache.spark.api.java.function.Function<Integer, Object> f) {
    org.apache.spark.SparkContext sc = io.checkpointplus.spark.LocalSpark.stock(settings);
    try {
      sc.setCheckpointDir(tmp.resolve(name).toString());
      org.apache.spark.api.java.JavaRDD<Object> rdd = new org.apache.spark.api.java
          .JavaSparkContext(sc).parallelize(java.util.List.of(1, 2, 3, 4), 2).map(f);
      rdd.checkpoint();
      assertEquals(4, rdd.count());
      return Path.of(java.net.URI.create(rdd.getCheckpointFile().get()));
    } finally {
      io.checkpointplus.spark.LocalSpark.stop(sc);
    }
  }
}
