package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The file layer on local disk: the manifest, verification of what is read back, commit modes,
 * and injected failures that must end in a complete checkpoint or a clear failure, with nothing
 * half-committed and no attempt file left.
 */
class CheckpointFilesTest extends WithLocalSpark {
  private static final int RECORDS = 2_000;
  /**
   * A deserialized reuse level: the checkpoint serializes, and counts, every partition's
   * records (a serialized block is copied, its records uncounted: see checkpoint/ByteCopyTest).
   */
  private static final Map<String, String> COUNTED =
      Map.of("spark.checkpointplus.reuse.storageLevel", "MEMORY_AND_DISK");


  private JavaRDD<Integer> checkpointed(Map<String, String> settings, String dir) {
    return checkpointed(settings, dir, 4);
  }

  private JavaRDD<Integer> checkpointed(Map<String, String> settings, String dir,
      int partitions) {
    sc = LocalSpark.withPlugin(audit(), settings);
    sc.setCheckpointDir(dir);
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(
        IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()), partitions)
        .map(x -> x * 7);
    rdd.checkpoint();
    return rdd;
  }

  private static Path localDir(JavaRDD<?> rdd) {
    return Path.of(java.net.URI.create(rdd.getCheckpointFile().get()));
  }

  private static List<String> names(Path dir) throws Exception {
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc"))
          .sorted().collect(Collectors.toList());
    }
  }

  @Test
  void theManifestDescribesEveryPartitionFile() throws Exception {
    JavaRDD<Integer> rdd = checkpointed(COUNTED, tmp.resolve("cp").toString());
    rdd.count();
    Path dir = localDir(rdd);
    assertEquals(List.of("_checkpoint-manifest.json", "part-00000", "part-00001", "part-00002",
        "part-00003"), names(dir));

    CheckpointManifest manifest = CheckpointManifest.parse(
        Files.readString(dir.resolve(CheckpointManifest.FILE_NAME)));
    assertEquals(4, manifest.partitions().size());
    // The serializer and compression the build runs this suite with (LocalSpark).
    assertEquals(sc.conf().get("spark.serializer", "org.apache.spark.serializer.JavaSerializer"),
        manifest.serializer());
    // Spark's own reading of spark.checkpoint.compress: its default is on from Spark 4.1.
    assertEquals(sc.conf().get(org.apache.spark.internal.config.package$.MODULE$
        .CHECKPOINT_COMPRESS()), manifest.compressed());
    long records = 0;
    for (CheckpointManifest.Entry e : manifest.partitions()) {
      byte[] bytes = Files.readAllBytes(dir.resolve(e.file()));
      assertEquals(bytes.length, e.bytes(), e.file());
      CRC32C crc = new CRC32C();
      crc.update(bytes);
      assertEquals(crc.getValue(), e.crc32c(), e.file());
      records += e.records();
    }
    assertEquals(RECORDS, records);
  }

  @Test
  void aTruncatedPartitionIsReportedByName() throws Exception {
    JavaRDD<Integer> rdd = checkpointed(Map.of(), tmp.resolve("cp").toString());
    rdd.count();
    Path part = localDir(rdd).resolve("part-00001");
    long size = Files.size(part);
    try (RandomAccessFile f = new RandomAccessFile(part.toFile(), "rw")) {
      f.setLength(size - 10);
    }
    Exception e = assertThrows(CheckpointVerificationException.class, rdd::count);
    assertTrue(e.getMessage().matches("Checkpoint file .*/part-00001 has " + (size - 10)
        + " bytes, the manifest expects " + size + " \\(truncated\\)"), e.getMessage());
  }

  @Test
  void aMissingPartitionIsReportedByName() throws Exception {
    JavaRDD<Integer> rdd = checkpointed(COUNTED, tmp.resolve("cp").toString());
    rdd.count();
    Files.delete(localDir(rdd).resolve("part-00002"));
    Exception e = assertThrows(CheckpointVerificationException.class, rdd::count);
    assertTrue(e.getMessage().matches("Checkpoint file .*/part-00002 is missing: the manifest"
        + " lists it with \\d+ bytes and 500 records"), e.getMessage());
  }

  /**
   * A part file the manifest does not list, or a missing {@code _partitioner} it records:
   * stock Spark would read more records, or lose the partitioner, without a word. Read back by
   * a later application, as a restart does.
   */
  @Test
  void anExtraPartIsDamageWhenReadBackAMissingPartitionerIsNot() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    org.apache.spark.api.java.JavaPairRDD<Integer, Integer> pairs = new JavaSparkContext(sc)
        .parallelize(IntStream.range(0, RECORDS).boxed().collect(Collectors.toList()), 4)
        .mapToPair(x -> new scala.Tuple2<>(x, x)).partitionBy(
            new org.apache.spark.HashPartitioner(4));
    pairs.checkpoint();
    pairs.count();
    Path dir = Path.of(java.net.URI.create(pairs.getCheckpointFile().get()));
    LocalSpark.stop(sc);

    Path extra = tmp.resolve("extra");
    Path noPartitioner = tmp.resolve("no-partitioner");
    for (Path copy : List.of(extra, noPartitioner)) {
      Files.createDirectories(copy);
      try (var files = Files.list(dir)) {
        for (Path f : files.collect(Collectors.toList())) {
          Files.copy(f, copy.resolve(f.getFileName().toString()));
        }
      }
    }
    Files.copy(extra.resolve("part-00000"), extra.resolve("part-00004"));
    Files.delete(noPartitioner.resolve("_partitioner"));
    Files.deleteIfExists(noPartitioner.resolve("._partitioner.crc"));

    sc = LocalSpark.withPlugin(audit(), Map.of());
    Exception e = assertThrows(CheckpointVerificationException.class, () -> sc.checkpointFile(
        extra.toUri().toString(), scala.reflect.ClassTag$.MODULE$.AnyRef()).count());
    assertTrue(e.getMessage().matches("Checkpoint file .*/part-00004 is not listed in the"
        + " manifest.*"), e.getMessage());
    // Without its _partitioner Spark reads the same records, only without a partitioner: the
    // plugin must not fail a job stock Spark runs (the inspector's verify reports it).
    assertEquals(RECORDS, sc.checkpointFile(noPartitioner.toUri().toString(),
        scala.reflect.ClassTag$.MODULE$.AnyRef()).count());
  }

  @Test
  void aCorruptedByteIsCaughtByChecksumVerification() throws Exception {
    JavaRDD<Integer> rdd = checkpointed(Map.of("spark.checkpointplus.files.verify", "checksum"),
        tmp.resolve("cp").toString());
    rdd.count();
    Path part = localDir(rdd).resolve("part-00003");
    byte[] bytes = Files.readAllBytes(part);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.write(part, bytes);
    Exception e = assertThrows(CheckpointVerificationException.class, rdd::count);
    // Hadoop's local file system keeps its own checksums and may catch the damage first; either
    // way the message names the file and says it is corrupted.
    assertTrue(e.getMessage().matches("(?s)Checkpoint file .*/part-00003 is corrupted: (CRC32C"
        + " [0-9a-f]+, the manifest expects [0-9a-f]+|it cannot be read .*)"), e.getMessage());
  }

  @Test
  void directCommitWritesFinalNamesOnly() throws Exception {
    JavaRDD<Integer> rdd = checkpointed(Map.of("spark.checkpointplus.files.commit", "direct"),
        tmp.resolve("cp").toString());
    assertEquals(RECORDS, rdd.count());
    assertEquals(List.of("_checkpoint-manifest.json", "part-00000", "part-00001", "part-00002",
        "part-00003"), names(localDir(rdd)));
    assertEquals(RECORDS, rdd.count(), "read back");
  }

  @Test
  void autoChoosesDirectForObjectStoresOnly() {
    assertEquals(CommitMode.DIRECT, CommitMode.AUTO.resolve("s3a"));
    assertEquals(CommitMode.DIRECT, CommitMode.AUTO.resolve("gs"));
    assertEquals(CommitMode.DIRECT, CommitMode.AUTO.resolve("abfss"));
    assertEquals(CommitMode.RENAME, CommitMode.AUTO.resolve("hdfs"));
    assertEquals(CommitMode.RENAME, CommitMode.AUTO.resolve("file"));
    assertEquals(CommitMode.RENAME, CommitMode.RENAME.resolve("s3a"));
  }

  @Test
  void attemptFilesLeftByLostAttemptsAreRemovedAndRecorded() throws Exception {
    JavaRDD<Integer> rdd = checkpointed(Map.of(), tmp.resolve("cp").toString());
    // A stale attempt file, as an executor killed mid-write leaves it.
    Path dir = Path.of(java.net.URI.create(sc.getCheckpointDir().get()))
        .resolve("rdd-" + rdd.id());
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(".part-00000-attempt-999"), "half a partition");
    rdd.count();
    assertFalse(names(dir).contains(".part-00000-attempt-999"));
    JsonNode cleaned = LocalSpark.events(audit(), "checkpoint.cleaned").get(0);
    assertEquals(".part-00000-attempt-999", cleaned.get("files").get(0).asText());
  }

  private Map<String, String> faulty(String... keyValues) {
    Map<String, String> conf = new HashMap<>(Map.of(
        "spark.hadoop.fs.faulty.impl", FaultyFileSystem.class.getName(),
        "spark.hadoop.fs.faulty.impl.disable.cache", "true",
        // Faults fire after a byte count: Java serialization, uncompressed, whatever the build's
        // serializer and compression are, so a partition is large enough to reach them.
        "spark.serializer", "org.apache.spark.serializer.JavaSerializer",
        "spark.checkpoint.compress", "false"));
    for (int i = 0; i < keyValues.length; i += 2) {
      conf.put("spark.hadoop." + keyValues[i], keyValues[i + 1]);
    }
    return conf;
  }

  /**
   * Fails the write as configured; asserts nothing is left but a clear failure. One partition:
   * with several, the tasks the failed job kills clean up after themselves on their own time.
   */
  private void assertCleanFailure(Map<String, String> settings, String expectedMessage)
      throws Exception {
    Path root = tmp.resolve("faulty-cp");
    JavaRDD<Integer> rdd = checkpointed(settings, "faulty://" + root, 1);
    Exception e = assertThrows(org.apache.spark.SparkException.class, rdd::count);
    assertTrue(e.getMessage().contains(expectedMessage), e.toString());
    assertFalse(rdd.isCheckpointed());
    JsonNode failed = LocalSpark.events(audit(), "checkpoint.failed").get(0);
    assertEquals(rdd.id(), failed.get("rddId").asInt());
    try (var walk = Files.walk(root)) {
      List<String> left = walk.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
          .collect(Collectors.toList());
      assertTrue(left.stream().noneMatch(n -> n.startsWith("part-") || n.contains("-attempt-")
          || n.equals(CheckpointManifest.FILE_NAME)), "left behind: " + left);
    }
  }

  @Test
  void aWriteThatFailsMidPartitionLeavesNothingBehind() throws Exception {
    assertCleanFailure(faulty("fs.faulty.failAfterBytes", "300"), "injected write failure");
  }

  @Test
  void aFullDiskLeavesNothingBehind() throws Exception {
    assertCleanFailure(faulty("fs.faulty.failAfterBytes", "1000",
        "fs.faulty.failMessage", "No space left on device"), "No space left on device");
  }

  @Test
  void aReadOnlyDirectoryFailsClearly() throws Exception {
    sc = LocalSpark.withPlugin(audit(), faulty());
    sc.setCheckpointDir("faulty://" + tmp.resolve("ro-cp"));
    LocalSpark.stop(sc);
    sc = null;
    Map<String, String> readOnly = faulty("fs.faulty.readOnly", "true");
    sc = LocalSpark.withPlugin(audit(), readOnly);
    // setCheckpointDir itself creates a directory: Spark refuses a read-only root first.
    Exception e = assertThrows(Exception.class,
        () -> sc.setCheckpointDir("faulty://" + tmp.resolve("ro-cp")));
    assertTrue(e.getMessage().contains("read-only file system"), e.toString());
  }
}
