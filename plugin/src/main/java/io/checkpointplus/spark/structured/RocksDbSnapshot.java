package io.checkpointplus.spark.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.fs.Path;

/**
 * One version of a RocksDB state store as Spark's {@code RocksDBFileManager} saves it: a
 * {@code <version>.zip} holding RocksDB's small files and a {@code metadata} entry that names the
 * immutable files the version needs (SST files under {@code SSTs/}, archived logs under
 * {@code logs/}) with their sizes. Spark uploads and downloads those immutable files with
 * {@code FileSystem} calls, never through the {@code CheckpointFileManager}, so their names and
 * sizes come from here. The metadata format ({@code v1} then JSON) is the same on every Spark
 * line from 3.4 to 4.2.
 */
public final class RocksDbSnapshot {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An immutable file a version needs, as its metadata names it. */
  public record ImmutableFile(String dfsName, long bytes, boolean sst) {
    /** Where Spark keeps it, relative to the state store's directory. */
    Path in(Path storeDirectory) {
      return new Path(storeDirectory, relativePath());
    }

    /** {@code SSTs/<name>} or {@code logs/<name>}. */
    public String relativePath() {
      return (sst ? "SSTs/" : "logs/") + dfsName;
    }
  }

  private RocksDbSnapshot() {}

  /**
   * The immutable files named by the metadata in {@code zip}'s bytes.
   *
   * @throws IOException when the zip has no metadata entry Spark could read
   */
  public static List<ImmutableFile> filesNamedBy(byte[] zip) throws IOException {
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        if (entry.getName().equals("metadata")) {
          return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    throw new IOException("no metadata entry");
  }

  private static List<ImmutableFile> parse(String metadata) throws IOException {
    int newline = metadata.indexOf('\n');
    if (newline < 0 || !metadata.substring(0, newline).equals("v1")) {
      throw new IOException("metadata of an unknown version: "
          + metadata.substring(0, Math.max(0, Math.min(10, newline))));
    }
    JsonNode json = JSON.readTree(metadata.substring(newline + 1));
    List<ImmutableFile> files = new ArrayList<>();
    add(json.path("sstFiles"), "dfsSstFileName", true, files);
    add(json.path("logFiles"), "dfsLogFileName", false, files);
    return files;
  }

  private static void add(JsonNode array, String nameField, boolean sst,
      List<ImmutableFile> files) throws IOException {
    for (JsonNode f : array) {
      if (!f.path(nameField).isTextual() || !f.path("sizeBytes").canConvertToLong()) {
        throw new IOException("metadata entry without " + nameField + " and sizeBytes: " + f);
      }
      files.add(new ImmutableFile(f.get(nameField).asText(), f.get("sizeBytes").asLong(), sst));
    }
  }
}
