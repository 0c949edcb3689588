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
 * Checks one {@code rdd-N} checkpoint and reports every problem, not only the first. With a
 * manifest: the partition count, each listed file present with its size, and with
 * {@code checksum} its CRC32C. Without one (stock Spark): part files contiguous from
 * {@code part-00000}, none empty, {@code _partitioner} readable, and a sample of records (all of
 * them with {@code checksum}) deserializable with the serializer {@code spark.serializer} names.
 */
final class RddVerification {
  /** How many records of a part file the structural check reads without --checksum. */
  static final int SAMPLE_RECORDS = 100;
  /** How many part files it samples without --checksum: the first, a middle one, the last. */
  static final int SAMPLE_FILES = 3;

  /** One problem: the file, what was expected, what was found. */
  record Problem(String file, String expected, String found) {
    String line() {
      return file + ": expected " + expected + ", found " + found;
    }
  }

  final CheckpointScan.Rdd rdd;
  final List<Problem> problems = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  /** Records counted by reading files, where the check read them all. */
  long recordsRead;
  boolean structural;

  private RddVerification(CheckpointScan.Rdd rdd) {
    this.rdd = rdd;
  }

  static RddVerification of(CheckpointScan.Rdd rdd, FileSystem fs, SparkConf conf,
      boolean checksum) throws IOException {
    RddVerification v = new RddVerification(rdd);
    if (rdd.manifestError != null) {
      v.problems.add(new Problem(rdd.path + "/_checkpoint-manifest.json",
          "the manifest's JSON", rdd.manifestError));
      v.structural(fs, conf, checksum);
    } else if (rdd.manifest != null) {
      v.againstManifest(fs, checksum);
    } else {
      v.structural(fs, conf, checksum);
    }
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
      FileStatus status = null;
      for (FileStatus s : rdd.parts.values()) {
        if (s.getPath().getName().equals(e.file())) {
          status = s;
        }
      }
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

  private void structural(FileSystem fs, SparkConf conf, boolean checksum) throws IOException {
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
    if (rdd.parts.isEmpty()) {
      problems.add(new Problem(rdd.path.toString(), "at least one part file", "none"));
    }
    String serializer = conf.get("spark.serializer", "org.apache.spark.serializer.JavaSerializer");
    List<FileStatus> files = new ArrayList<>(rdd.parts.values());
    List<FileStatus> sample = new ArrayList<>();
    if (checksum || files.size() <= SAMPLE_FILES) {
      sample.addAll(files);
    } else {
      sample.add(files.get(0));
      sample.add(files.get(files.size() / 2));
      sample.add(files.get(files.size() - 1));
    }
    for (FileStatus f : files) {
      if (f.getLen() == 0) {
        problems.add(new Problem(f.getPath().toString(), "a serialized partition (even an empty"
            + " one has a stream header)", "0 bytes"));
      }
    }
    boolean all = true;
    for (FileStatus f : sample) {
      if (f.getLen() == 0) {
        continue;
      }
      try {
        RecordSample.Result r = RecordSample.read(fs, f.getPath(), serializer, conf,
            checksum ? Long.MAX_VALUE : SAMPLE_RECORDS);
        recordsRead += r.records();
        all &= r.complete();
        if (r.notChecked() != null) {
          notes.add(f.getPath() + ": " + r.notChecked());
        }
      } catch (IOException e) {
        problems.add(new Problem(f.getPath().toString(), "records that deserialize with "
            + serializer, e.getMessage()));
        all = false;
      }
    }
    if (!all || sample.size() < files.size()) {
      recordsRead = -1;
    }
    if (rdd.partitioner) {
      Path p = new Path(rdd.path, io.checkpointplus.spark.files.CheckpointFileManager
          .PARTITIONER_FILE);
      try {
        // Spark never compresses the partitioner file, whatever spark.checkpoint.compress says
        RecordSample.Result r = RecordSample.read(fs, p, serializer,
            conf.clone().set("spark.checkpoint.compress", "false"), 1);
        if (r.records() != 1 && r.notChecked() == null) {
          problems.add(new Problem(p.toString(), "one serialized partitioner", r.records()
              + " objects"));
        }
      } catch (IOException e) {
        problems.add(new Problem(p.toString(), "a partitioner that deserializes with "
            + serializer, e.getMessage()));
      }
    }
    if (RecordSample.KRYO.equals(serializer)) {
      notes.add(rdd.path + ": without a manifest, a Kryo file cut at a record boundary reads as"
          + " fewer records (Spark's reader takes it for the end), so truncation is not"
          + " always detectable");
    }
  }
}
