package io.checkpointplus.spark.structured;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One file of a query location checked offline against the integrity record the plugin wrote
 * beside it, with the verdict the plugin's reader would reach when Spark opens the file: a file
 * that differs from a well-formed record is damage, except a state file written after its record
 * (Spark rewrites state files in place when it re-runs a batch), which the reader reads
 * unchecked.
 *
 * @param verdict what was found
 * @param detail what differs, or why the file could not be checked; empty when intact
 */
public record QueryFileCheck(Verdict verdict, String detail) {
  /** The outcomes of a check. */
  public enum Verdict {
    /** Size and CRC32C are one writer's, as recorded. */
    INTACT,
    /**
     * No record beside the file (written by stock Spark, or left to Spark's own checksums), and
     * no file system checksum that fails.
     */
    NO_RECORD,
    /** A record that is not one the plugin writes for this file: the file reads unchecked. */
    UNREADABLE_RECORD,
    /** A state file newer than its record: a re-run batch; read unchecked, not damage. */
    REWRITTEN,
    /** The file differs from what was committed. */
    DAMAGED
  }

  /** Whether the damage was found by the file system's own checksum, not by a record. */
  public boolean byFileSystemChecksum() {
    return verdict == Verdict.DAMAGED && detail.startsWith(FILE_SYSTEM_CHECKSUM);
  }

  private static final String FILE_SYSTEM_CHECKSUM = "fails its file system checksum";
  private static final String SPARK_CHECKSUM = "differs from its Spark checksum file";
  private static final java.util.regex.Pattern SPARK_CHECKSUM_JSON = java.util.regex.Pattern
      .compile("\\{.*\"algorithm\"\\s*:\\s*\"([^\"]+)\".*\"value\"\\s*:\\s*(-?\\d+).*"
          + "\"mainFileSize\"\\s*:\\s*(\\d+).*", java.util.regex.Pattern.DOTALL);

  /**
   * Whether the damage was found against Spark's own checksum file ({@code <name>.crc}, Spark
   * 4.1's {@code spark.sql.streaming.checkpoint.fileChecksum.enabled}), which Spark verifies
   * when it reads the file.
   */
  public boolean bySparkChecksum() {
    return verdict == Verdict.DAMAGED && detail.startsWith(SPARK_CHECKSUM);
  }

  /** Checks {@code file}; throws only what reading the file itself throws. */
  public static QueryFileCheck of(FileSystem fs, Path file) throws IOException {
    Path recordPath = IntegrityRecord.pathFor(file);
    byte[] content;
    FileStatus recordStatus;
    try (InputStream in = fs.open(recordPath)) {
      content = QueryFileStore.readUpTo(in, 64 * 1024);
      recordStatus = fs.getFileStatus(recordPath);
    } catch (FileNotFoundException none) {
      // What can be checked without a record: a file system that keeps checksums (HDFS, and
      // local disk's .crc files) verifies them as the file is read, and Spark 4.1 writes a
      // checksum file of its own beside each state file.
      CRC32C crc = new CRC32C();
      long bytes = 0;
      try (InputStream in = fs.open(file)) {
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
          crc.update(buf, 0, n);
          bytes += n;
        }
      } catch (org.apache.hadoop.fs.ChecksumException e) {
        return new QueryFileCheck(Verdict.DAMAGED, FILE_SYSTEM_CHECKSUM + " ("
            + e.getMessage() + ")");
      }
      String difference = sparkChecksumDifference(fs, file, bytes, crc.getValue());
      return difference == null ? new QueryFileCheck(Verdict.NO_RECORD, "")
          : new QueryFileCheck(Verdict.DAMAGED, difference);
    }
    IntegrityRecord record = IntegrityRecord.parse(content);
    if (record == null || !record.file().equals(file.getName())) {
      return new QueryFileCheck(Verdict.UNREADABLE_RECORD, "its integrity record "
          + recordPath.getName() + " is not one the plugin writes for it");
    }
    CRC32C crc = new CRC32C();
    long bytes = 0;
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = fs.open(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        crc.update(buf, 0, n);
        bytes += n;
      }
    } catch (org.apache.hadoop.fs.ChecksumException e) {
      return new QueryFileCheck(Verdict.DAMAGED, FILE_SYSTEM_CHECKSUM + " ("
          + e.getMessage() + ")");
    }
    String difference = record.difference(bytes, crc.getValue());
    if (difference == null) {
      return new QueryFileCheck(Verdict.INTACT, "");
    }
    if (rewrittenAfterRecord(QueryFile.of(file),
        fs.getFileStatus(file).getModificationTime(), recordStatus.getModificationTime())) {
      return new QueryFileCheck(Verdict.REWRITTEN, "written after its integrity record ("
          + difference + "): a batch re-run without the plugin, or a record write that failed");
    }
    return new QueryFileCheck(Verdict.DAMAGED, difference);
  }

  /**
   * How {@code file} ({@code bytes} long, CRC32C {@code crc}) differs from the checksum file
   * Spark 4.1 wrote beside it ({@code <name>.crc}: JSON with {@code algorithm}, {@code value},
   * {@code mainFileSize}); {@code null} when it does not, or there is none it can read.
   */
  static String sparkChecksumDifference(FileSystem fs, Path file, long bytes, long crc)
      throws IOException {
    if (file.getName().endsWith(".crc") || file.getName().startsWith(".")) {
      return null;
    }
    Path checksum = new Path(file.getParent(), file.getName() + ".crc");
    String json;
    try (InputStream in = fs.open(checksum)) {
      json = new String(QueryFileStore.readUpTo(in, 64 * 1024),
          java.nio.charset.StandardCharsets.UTF_8);
    } catch (FileNotFoundException none) {
      return null;
    }
    java.util.regex.Matcher m = SPARK_CHECKSUM_JSON.matcher(json);
    if (!m.matches() || !m.group(1).equalsIgnoreCase("CRC32C")) {
      return null; // not a checksum file this version knows: nothing to say
    }
    long size = Long.parseLong(m.group(3));
    int value = (int) Long.parseLong(m.group(2));
    if (size == bytes && value == (int) crc) {
      return null;
    }
    return SPARK_CHECKSUM + " " + checksum.getName() + ": it records " + size + " bytes, CRC32C "
        + Integer.toHexString(value) + "; the file has " + bytes + " bytes, CRC32C "
        + Integer.toHexString((int) crc);
  }

  /**
   * Whether a file that differs from its record is one Spark rewrote after the record was
   * written rather than damage: only state files are rewritten in place; offsets, commits and the
   * other logs never are.
   */
  static boolean rewrittenAfterRecord(QueryFile file, long fileWritten, long recordWritten) {
    return file.kind() == QueryFile.Kind.STATE && fileWritten > recordWritten;
  }
}
