package io.checkpointplus.spark.structured;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * The size and CRC32C of one committed file of a query location, kept beside it as
 * {@code .<name>.integrity}: a name that Spark's metadata logs (which read only numeric names)
 * and state store listings (which read only {@code <version>.<kind>}) skip, so stock Spark
 * ignores it and a location written with the plugin restarts without it.
 *
 * <p>A file that more than one writer published (two attempts of one state task, or a batch
 * re-run after a restart, each replacing the file) has one entry per writer, the latest first:
 * whichever writer's file is the one that stayed, it matches its own entry, whatever order the
 * writers' files and records reached the store in.
 */
public final class IntegrityRecord {
  static final String SUFFIX = ".integrity";
  /** 1: one writer's entry; 2: several (a plugin that reads only 1 reads the file unchecked). */
  private static final int VERSION = 1;
  private static final int VERSION_WITH_EARLIER = 2;
  /** Entries kept for one file: a file rewritten more often keeps its latest writers'. */
  static final int MAX_ENTRIES = 8;
  private static final Pattern JSON = Pattern.compile(
      "\\{\"version\":(\\d+),\"file\":\"([^\"]*)\",\"bytes\":(\\d+),\"crc32c\":\"([0-9a-f]{1,8})\""
      + "(?:,\"earlier\":\\[((?:\\{\"bytes\":\\d+,\"crc32c\":\"[0-9a-f]{1,8}\"\\},?)*)\\])?\\}\\s*");
  private static final Pattern EARLIER = Pattern.compile(
      "\\{\"bytes\":(\\d+),\"crc32c\":\"([0-9a-f]{1,8})\"\\}");

  private final String file;
  private final long bytes;
  private final long crc32c;
  /** Other writers' versions of the file, latest first, each {bytes, crc32c}. */
  private final List<long[]> earlier;

  IntegrityRecord(String file, long bytes, long crc32c) {
    this(file, bytes, crc32c, List.of());
  }

  private IntegrityRecord(String file, long bytes, long crc32c, List<long[]> earlier) {
    this.file = file;
    this.bytes = bytes;
    this.crc32c = crc32c;
    this.earlier = earlier;
  }

  /** Where the record of {@code file} is kept. */
  public static Path pathFor(Path file) {
    return new Path(file.getParent(), "." + file.getName() + SUFFIX);
  }

  /**
   * The record a writer of {@code content} under the name {@code fileName} leaves: for a tool
   * that writes a location's file anew (the inspector's {@code copy --rewrite-paths}).
   */
  public static byte[] recordOf(String fileName, byte[] content) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(content, 0, content.length);
    return new IntegrityRecord(fileName, content.length, crc.getValue()).toBytes();
  }

  /** Whether {@code name} is a record's name rather than one of Spark's files. */
  public static boolean isRecordName(String name) {
    return name.startsWith(".") && name.endsWith(SUFFIX);
  }

  byte[] toBytes() {
    StringBuilder json = new StringBuilder("{\"version\":")
        .append(earlier.isEmpty() ? VERSION : VERSION_WITH_EARLIER)
        .append(",\"file\":\"").append(file.replace("\"", "")).append("\",\"bytes\":")
        .append(bytes).append(",\"crc32c\":\"").append(Long.toHexString(crc32c)).append('"');
    if (!earlier.isEmpty()) {
      json.append(",\"earlier\":[");
      for (int i = 0; i < earlier.size(); i++) {
        json.append(i > 0 ? "," : "").append("{\"bytes\":").append(earlier.get(i)[0])
            .append(",\"crc32c\":\"").append(Long.toHexString(earlier.get(i)[1])).append("\"}");
      }
      json.append(']');
    }
    return json.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads a record; a record that does not parse is itself damage, reported by the caller with
   * the record's path.
   */
  static IntegrityRecord parse(byte[] content) {
    Matcher m = JSON.matcher(new String(content, StandardCharsets.UTF_8));
    if (!m.matches() || Integer.parseInt(m.group(1)) != (m.group(5) == null ? VERSION
        : VERSION_WITH_EARLIER)) {
      return null;
    }
    List<long[]> earlier = new ArrayList<>();
    if (m.group(5) != null) {
      Matcher e = EARLIER.matcher(m.group(5));
      while (e.find()) {
        earlier.add(new long[] {Long.parseLong(e.group(1)), Long.parseLong(e.group(2), 16)});
      }
    }
    return new IntegrityRecord(m.group(2), Long.parseLong(m.group(3)),
        Long.parseLong(m.group(4), 16), List.copyOf(earlier));
  }

  /**
   * This writer's record first, then the entries of {@code existing} (the record of the same
   * file as other writers left it) but this writer's own, the latest {@link #MAX_ENTRIES} in all.
   */
  IntegrityRecord after(IntegrityRecord existing) {
    if (!existing.file.equals(file)) {
      return this;
    }
    List<long[]> all = new ArrayList<>();
    all.add(new long[] {existing.bytes, existing.crc32c});
    all.addAll(existing.earlier);
    all.removeIf(e -> e[0] == bytes && e[1] == crc32c);
    return new IntegrityRecord(file, bytes, crc32c,
        List.copyOf(all.subList(0, Math.min(all.size(), MAX_ENTRIES - 1))));
  }

  /** Whether this record has {@code writer}'s entry (its size and CRC32C). */
  boolean includes(IntegrityRecord writer) {
    return matches(writer.bytes, writer.crc32c);
  }

  public String file() {
    return file;
  }

  /** The latest writer's size. */
  public long bytes() {
    return bytes;
  }

  /** The latest writer's CRC32C. */
  public long crc32c() {
    return crc32c;
  }

  /** The largest size any writer recorded: how far a reader must read to check the file. */
  long largestBytes() {
    long largest = bytes;
    for (long[] e : earlier) {
      largest = Math.max(largest, e[0]);
    }
    return largest;
  }

  private boolean matches(long readBytes, long readCrc32c) {
    if (readBytes == bytes && readCrc32c == crc32c) {
      return true;
    }
    for (long[] e : earlier) {
      if (readBytes == e[0] && readCrc32c == e[1]) {
        return true;
      }
    }
    return false;
  }

  /**
   * What differs between this record and what was read, or {@code null} when what was read is
   * one writer's file.
   */
  String difference(long readBytes, long readCrc32c) {
    if (matches(readBytes, readCrc32c)) {
      return null;
    }
    String others = earlier.isEmpty() ? ""
        : " (nor any of the " + earlier.size() + " earlier writers' versions it records)";
    if (readBytes != bytes) {
      return readBytes + " bytes where " + bytes + " were committed" + others;
    }
    return "CRC32C " + Long.toHexString(readCrc32c) + " where " + Long.toHexString(crc32c)
        + " was committed (same size, " + bytes + " bytes)" + others;
  }
}
