package io.checkpointplus.spark.inspector;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;

/**
 * Checks one {@code rdd-N} checkpoint as stock Spark will read it and reports every problem,
 * not only the first. Always: every entry named {@code part-*} is a part file Spark can list
 * ({@code part-%05d}, contiguous from {@code part-00000}), and the {@code _partitioner}, where
 * there is one, deserializes and, where its partition count can be told, matches the part
 * files. With a manifest: the partition count, each listed file present with its size, the
 * {@code _partitioner} the manifest records, and with {@code checksum} every CRC32C. Without
 * one (stock Spark): every part file read to its end with the serializer {@code spark.serializer}
 * names, the only way to find a truncated file without a recorded size.
 */
final class RddVerification {
  /** One problem: the file, what was expected, what was found. */
  record Problem(String file, String expected, String found) {
    String line() {
      return file + ": expected " + expected + ", found " + found;
    }
  }

  /** What a check without a manifest cannot see, said once by the commands that print it. */
  static final String STRUCTURAL_LIMITS = "without a manifest (stock Spark), a part file cut"
      + " between two records reads as fewer records, and part files removed from the end or"
      + " added after it (where no _partitioner counts them) as fewer or more partitions: that"
      + " cannot be told from an intact checkpoint; nor can a changed byte that still"
      + " deserializes, where no .crc file holds a checksum";

  final CheckpointScan.Rdd rdd;
  final List<Problem> problems = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  /**
   * What could not be read with the classes here (records of classes not on this class path,
   * ids of registrations not run): each makes the verdict "cannot tell", never "intact".
   */
  final List<String> unread = new ArrayList<>();
  /** What the problems most likely mean, when they all point one way; null otherwise. */
  String hint;
  /** Records counted by reading files, where the check read them all; -1 otherwise. */
  long recordsRead;
  boolean structural;

  private RddVerification(CheckpointScan.Rdd rdd) {
    this.rdd = rdd;
  }

  static RddVerification of(CheckpointScan.Rdd rdd, FileSystem fs, SparkConf conf,
      boolean checksum) throws IOException {
    RddVerification v = new RddVerification(rdd);
    for (FileStatus s : rdd.strayParts) {
      v.problems.add(new Problem(s.getPath().toString(), "only part files named part-%05d by"
          + " partition (stock Spark takes every part-* entry for one and cannot read the"
          + " checkpoint with this one)", s.isDirectory() ? "a directory" : "a file of "
          + s.getLen() + " bytes"));
    }
    if (rdd.manifestError != null) {
      v.problems.add(new Problem(rdd.path + "/_checkpoint-manifest.json",
          "the manifest's JSON", rdd.manifestError));
      v.structural(fs, conf);
    } else if (rdd.manifest != null) {
      v.againstManifest(fs, checksum);
    } else {
      v.structural(fs, conf);
    }
    v.partitioner(fs, conf, checksum);
    for (FileStatus a : rdd.attemptFiles) {
      v.notes.add(a.getPath() + ": attempt file of a failed or lost task attempt (a leftover,"
          + " not part of the checkpoint)");
    }
    return v;
  }

  private void againstManifest(FileSystem fs, boolean checksum) throws IOException {
    ManifestView m = rdd.manifest;
    if (m.partitionCount() != m.entries().size()) {
      problems.add(new Problem(rdd.path + "/_checkpoint-manifest.json", "partitionCount "
          + m.partitionCount(), m.entries().size() + " partitions listed"));
    }
    java.util.Set<String> listed = new java.util.HashSet<>();
    for (ManifestView.Entry e : m.entries()) {
      listed.add(e.file());
      Path file = new Path(rdd.path, e.file());
      Integer index = CheckpointScan.partIndex(e.file());
      FileStatus status = index == null ? null : rdd.parts.get(index);
      if (status == null) {
        problems.add(new Problem(file.toString(), "a file of " + e.bytes() + " bytes"
            + (e.records() != null ? " and " + e.records() + " records" : "")
            + " (listed in the manifest)", "no such file"));
        continue;
      }
      if (status.getLen() != e.bytes()) {
        problems.add(new Problem(file.toString(), e.bytes() + " bytes (manifest)",
            status.getLen() + " bytes" + (status.getLen() < e.bytes() ? " (truncated)" : "")));
        continue;
      }
      if (checksum && e.crc32c() != null) {
        try {
          long crc = crc32c(fs, file);
          if (crc != e.crc32c()) {
            problems.add(new Problem(file.toString(), "CRC32C " + Long.toHexString(e.crc32c())
                + " (manifest)", "CRC32C " + Long.toHexString(crc) + " (corrupted)"));
          }
        } catch (org.apache.hadoop.fs.ChecksumException | java.io.EOFException ex) {
          problems.add(new Problem(file.toString(), "a readable file", "bytes that fail the"
              + " file system's own checksum (corrupted): " + ex.getMessage()));
        }
      }
    }
    for (Map.Entry<Integer, FileStatus> p : rdd.parts.entrySet()) {
      if (!listed.contains(p.getValue().getPath().getName())) {
        problems.add(new Problem(p.getValue().getPath().toString(), "only the "
            + m.entries().size() + " files the manifest lists", "a part file it does not list"));
      }
    }
  }

  private static long crc32c(FileSystem fs, Path file) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = fs.open(file)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        crc.update(buffer, 0, n);
      }
    }
    return crc.getValue();
  }

  private void structural(FileSystem fs, SparkConf conf) throws IOException {
    structural = true;
    int expected = 0;
    for (int index : rdd.parts.keySet()) {
      while (expected < index) {
        problems.add(new Problem(new Path(rdd.path, String.format("part-%05d", expected))
            .toString(), "part files contiguous from part-00000 (Spark reads partition i from"
            + " part-i)", "no such file, while part-" + String.format("%05d", index)
            + " exists"));
        expected++;
      }
      expected = index + 1;
    }
    String serializer = conf.get("spark.serializer", "org.apache.spark.serializer.JavaSerializer");
    SerializedClasses classes = new SerializedClasses();
    int decoded = 0;
    boolean all = true;
    for (FileStatus f : rdd.parts.values()) {
      try {
        RecordSample.Result r = RecordSample.read(fs, f.getPath(), serializer, conf,
            Long.MAX_VALUE, classes);
        recordsRead += r.records();
        decoded++;
        if (r.notChecked() != null) {
          all = false;
          unread.add(f.getPath() + ": " + r.notChecked());
        }
      } catch (IOException e) {
        problems.add(new Problem(f.getPath().toString(), "records that deserialize with "
            + serializer, e.getMessage()));
        all = false;
      }
    }
    recordClasses(classes);
    if (!all) {
      recordsRead = -1;
    }
    if (decoded == 0 && !rdd.parts.isEmpty()) {
      hint = RecordSample.hint(fs, rdd.parts.values(), serializer, conf);
    }
    if (!unread.isEmpty() && hint == null) {
      hint = "give verify the application's classes: bin/checkpoint-plus --jars"
          + " <application jar>[,<its dependencies>] verify ... (they are loaded, never"
          + " initialised, for Java serialization; Kryo instantiates them)";
    }
    if (rdd.parts.isEmpty()) {
      notes.add(rdd.path + ": no part files: the checkpoint of an RDD without partitions (or"
          + " one whose part files were all removed)");
    }
  }

  /**
   * The classes Java-serialized records name, judged as Spark's read resolves them with the
   * classes on this class path ({@link UpgradeCheckCommand#check}, upgrade-check's judgement of
   * a new build, here of the build at hand): a class present but incompatible (another
   * serialVersionUID, no longer Serializable, a field of another type) fails Spark's read,
   * damage for this class path; a class absent, or one whose compatibility cannot be decided
   * without running its code, cannot be told.
   */
  private void recordClasses(SerializedClasses classes) {
    if (classes.descriptors.isEmpty()) {
      return;
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader() != null
        ? Thread.currentThread().getContextClassLoader() : RecordSample.class.getClassLoader();
    // check's order: the first descriptors, then the variants, then lambdas
    List<String> sources = new ArrayList<>();
    classes.descriptors.keySet().forEach(n -> sources.add(classes.firstSeenIn.get(n)));
    sources.addAll(classes.variants.values());
    List<SerialStream.Desc> descs = new ArrayList<>(classes.descriptors.values());
    descs.addAll(classes.variants.keySet());
    List<UpgradeCheckCommand.Verdict> verdicts = UpgradeCheckCommand.check(classes, loader);
    for (int i = 0; i < verdicts.size(); i++) {
      UpgradeCheckCommand.Verdict v = verdicts.get(i);
      String where = i < sources.size() && sources.get(i) != null ? sources.get(i)
          : rdd.path.toString();
      // a class not found: missing here, unless the descriptor proves its name corrupted
      String corrupted = v.status().equals("missing") && "ClassNotFoundException".equals(
          v.exception()) && i < descs.size() && descs.get(i).name.equals(v.className())
          ? CorruptedClassName.evidence(descs.get(i), descs, List.of(), loader) : null;
      if (corrupted != null) {
        problems.add(new Problem(where, "class names Spark's read can resolve", corrupted
            + " (Spark's read: ClassNotFoundException: " + v.className() + ")"));
      } else if (v.status().equals("incompatible")) {
        problems.add(new Problem(where, "records of class " + v.className() + " that Spark"
            + " reads with the classes on this class path", v.reason()
            + (v.exception() != null ? " (Spark's read: " + v.exception() + ")" : "")));
      } else if (v.status().equals("missing")) {
        unread.add(where + ": record class " + v.className() + " is not on this class path ("
            + v.reason() + ")");
      } else if (!v.status().equals("ok")) {
        unread.add(where + ": record class " + v.className() + " cannot be checked: "
            + v.reason());
      }
    }
  }

  /** Spark's partitioners: a {@code _partitioner} of a stock application is mostly one. */
  private static final List<String> SPARK_PARTITIONERS = List.of(
      "org.apache.spark.HashPartitioner", "org.apache.spark.RangePartitioner");

  /**
   * Why a Java-serialized {@code _partitioner} names a class whose name is proven corrupted
   * ({@link CorruptedClassName}: e.g. the serialVersionUID computed from the name of one of
   * Spark's partitioners under another name); null when none is. A class merely not on this
   * class path (an application's partitioner) proves nothing.
   */
  private static String corruptedPartitionerClass(FileSystem fs, Path p) throws IOException {
    List<SerialStream.Desc> descs;
    try {
      descs = RecordSample.javaDescriptors(fs, p);
    } catch (IOException e) {
      return null; // judged by its deserialization
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader() != null
        ? Thread.currentThread().getContextClassLoader() : RecordSample.class.getClassLoader();
    for (SerialStream.Desc d : descs) {
      if (d.isProxy()) {
        continue;
      }
      try {
        Class.forName(d.name, false, loader);
      } catch (ClassNotFoundException e) {
        String why = CorruptedClassName.evidence(d, descs, SPARK_PARTITIONERS, loader);
        if (why != null) {
          return why + " (Spark's read: ClassNotFoundException: " + d.name + ")";
        }
      } catch (LinkageError e) {
        // found but not loadable here: not a name's damage
      }
    }
    return null;
  }

  /**
   * The {@code _partitioner}: as the manifest records it, deserializable, and saying as many
   * partitions as there are part files (Spark reads the part files it finds, whatever the
   * partitioner says, so a removed or added part is silently fewer or more records).
   */
  private void partitioner(FileSystem fs, SparkConf conf, boolean checksum) throws IOException {
    Path p = new Path(rdd.path, io.checkpointplus.spark.files.CheckpointFileManager
        .PARTITIONER_FILE);
    ManifestView.Partitioner recorded = rdd.manifest == null ? null : rdd.manifest.partitioner();
    if (recorded != null && recorded.written() != rdd.partitioner) {
      problems.add(new Problem(p.toString(), recorded.written() ? "the partitioner file of "
          + recorded.bytes() + " bytes (manifest; Spark reads the checkpoint without its"
          + " partitioner when it is missing)" : "no partitioner file (manifest)",
          rdd.partitioner ? "one" : "no such file"));
      return;
    }
    if (rdd.manifest != null && recorded == null && rdd.partitioner) {
      notes.add(p + ": the manifest predates recording the partitioner file, so only that it"
          + " deserializes is checked");
    }
    if (!rdd.partitioner) {
      return;
    }
    if (recorded != null) {
      FileStatus status = fs.getFileStatus(p);
      if (status.getLen() != recorded.bytes()) {
        problems.add(new Problem(p.toString(), recorded.bytes() + " bytes (manifest)",
            status.getLen() + " bytes"));
        return;
      }
      if (checksum && recorded.crc32c() != null) {
        long crc;
        try {
          crc = crc32c(fs, p);
        } catch (org.apache.hadoop.fs.ChecksumException | java.io.EOFException ex) {
          problems.add(new Problem(p.toString(), "a readable file", "bytes that fail the"
              + " file system's own checksum (corrupted): " + ex.getMessage()));
          return;
        }
        if (crc != recorded.crc32c()) {
          problems.add(new Problem(p.toString(), "CRC32C " + Long.toHexString(recorded.crc32c())
              + " (manifest)", "CRC32C " + Long.toHexString(crc) + " (corrupted)"));
          return;
        }
      }
    }
    String serializer = rdd.manifest != null && !rdd.manifest.serializer().isEmpty()
        ? rdd.manifest.serializer() : conf.get("spark.serializer",
            "org.apache.spark.serializer.JavaSerializer");
    Integer partitions;
    try {
      partitions = RecordSample.partitions(fs, p, serializer, conf);
    } catch (IOException e) {
      problems.add(new Problem(p.toString(), "a partitioner that deserializes with " + serializer
          + " (Spark reads the checkpoint without its partitioner)", e.getMessage()));
      return;
    }
    if (!RecordSample.KRYO.equals(serializer)) {
      String corrupted = corruptedPartitionerClass(fs, p);
      if (corrupted != null) {
        problems.add(new Problem(p.toString(), "a partitioner whose classes Spark's read"
            + " resolves (Spark reads the checkpoint without its partitioner)", corrupted));
        return;
      }
    }
    int found = rdd.parts.size();
    if (partitions != null && partitions != found) {
      // named: the first part file missing, or the first one too many
      String first = String.format("part-%05d", Math.min(partitions, found));
      problems.add(new Problem(new Path(rdd.path, first).toString(), "one part file per"
          + " partition of the partitioner", "_partitioner says " + partitions + " partitions,"
          + " found " + found + " part files (" + (partitions > found ? first + " and later are"
          + " missing: Spark reads fewer records" : first + " and later are too many: Spark"
          + " reads more records") + ")"));
    }
  }
}
