package io.checkpointplus.spark.structured;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * The size and CRC32C of one committed file of a query location, kept beside it as
 * {@code .<name>.integrity}: a name that Spark's metadata logs (which read only numeric names)
 * and state store listings (which read only {@code <version>.<kind>}) skip, so stock Spark
 * ignores it and a location written with the plugin restarts without it.
 */
public final class IntegrityRecord {
  static final String SUFFIX = ".integrity";
  private static final int VERSION = 1;
  private static final Pattern JSON = Pattern.compile(
      "\\{\"version\":(\\d+),\"file\":\"([^\"]*)\",\"bytes\":(\\d+),\"crc32c\":\"([0-9a-f]{1,8})\"\\}\\s*");

  private final String file;
  private final long bytes;
  private final long crc32c;

  IntegrityRecord(String file, long bytes, long crc32c) {
    this.file = file;
    this.bytes = bytes;
    this.crc32c = crc32c;
  }

  /** Where the record of {@code file} is kept. */
  public static Path pathFor(Path file) {
    return new Path(file.getParent(), "." + file.getName() + SUFFIX);
  }

  /** Whether {@code name} is a record's name rather than one of Spark's files. */
  public static boolean isRecordName(String name) {
    return name.startsWith(".") && name.endsWith(SUFFIX);
  }

  byte[] toBytes() {
    return ("{\"version\":" + VERSION + ",\"file\":\"" + file.replace("\"", "") + "\",\"bytes\":"
        + bytes + ",\"crc32c\":\"" + Long.toHexString(crc32c) + "\"}\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads a record; a record that does not parse is itself damage, reported by the caller with
   * the record's path.
   */
  static IntegrityRecord parse(byte[] content) {
    Matcher m = JSON.matcher(new String(content, StandardCharsets.UTF_8));
    if (!m.matches() || Integer.parseInt(m.group(1)) != VERSION) {
      return null;
    }
    return new IntegrityRecord(m.group(2), Long.parseLong(m.group(3)),
        Long.parseLong(m.group(4), 16));
  }

  public String file() {
    return file;
  }

  public long bytes() {
    return bytes;
  }

  public long crc32c() {
    return crc32c;
  }

  /** What differs between this record and what was read, or {@code null} when nothing does. */
  String difference(long readBytes, long readCrc32c) {
    if (readBytes != bytes) {
      return readBytes + " bytes where " + bytes + " were committed";
    }
    if (readCrc32c != crc32c) {
      return "CRC32C " + Long.toHexString(readCrc32c) + " where " + Long.toHexString(crc32c)
          + " was committed (same size, " + bytes + " bytes)";
    }
    return null;
  }
}
