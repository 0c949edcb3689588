package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.files.CheckpointManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A checkpoint manifest ({@link CheckpointManifest#FILE_NAME}) as the inspector reads it:
 * tolerant of what other plugin versions write or leave out. {@code records} is optional
 * (a partition written by copying its cached bytes has no record count), and so are
 * {@code codec} and {@code pluginVersion}.
 */
record ManifestView(int version, String pluginVersion, int partitionCount, String serializer,
    boolean compressed, String codec, List<Entry> entries, Partitioner partitioner) {

  /** Shared: creating a mapper costs more than reading a small manifest. */
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One partition file: {@code records} and {@code crc32c} null when not recorded. */
  record Entry(int partition, String file, long bytes, Long records, Long crc32c) {
  }

  /**
   * What the manifest says of the {@code _partitioner} file: whether one was written, its size
   * and CRC32C. The {@link #partitioner()} of a manifest that does not say (earlier versions)
   * is null.
   */
  record Partitioner(boolean written, long bytes, Long crc32c) {
  }

  /** The total record count, or null when some partition has none. */
  Long records() {
    long sum = 0;
    for (Entry e : entries) {
      if (e.records() == null) {
        return null;
      }
      sum += e.records();
    }
    return sum;
  }

  long bytes() {
    return entries.stream().mapToLong(Entry::bytes).sum();
  }

  /**
   * Reads the manifest {@code path}, known to exist (the directory's listing showed it).
   *
   * @throws IOException naming the file when it is not a manifest
   */
  static ManifestView read(FileSystem fs, Path path) throws IOException {
    String text;
    try (InputStream in = fs.open(path)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      JsonNode root = JSON.readTree(text);
      List<Entry> entries = new ArrayList<>();
      for (JsonNode p : root.get("partitions")) {
        entries.add(new Entry(p.get("partition").asInt(), p.get("file").asText(),
            p.get("bytes").asLong(),
            p.hasNonNull("records") ? p.get("records").asLong() : null,
            p.hasNonNull("crc32c") ? Long.parseUnsignedLong(p.get("crc32c").asText(), 16)
                : null));
      }
      JsonNode p = root.get("partitioner");
      Partitioner partitioner = p == null ? null : p.isNull() ? new Partitioner(false, 0, null)
          : new Partitioner(true, p.get("bytes").asLong(), p.hasNonNull("crc32c")
              ? Long.parseUnsignedLong(p.get("crc32c").asText(), 16) : null);
      return new ManifestView(root.path("version").asInt(), root.path("pluginVersion").asText(),
          root.path("partitionCount").asInt(entries.size()), root.path("serializer").asText(),
          root.path("compressed").asBoolean(),
          root.hasNonNull("codec") ? root.get("codec").asText() : null, entries, partitioner);
    } catch (IOException | RuntimeException e) {
      throw new IOException("Checkpoint manifest " + path + " cannot be read: expected the"
          + " manifest's JSON, found " + text.length() + " characters that do not parse ("
          + e.getMessage() + ")");
    }
  }
}
