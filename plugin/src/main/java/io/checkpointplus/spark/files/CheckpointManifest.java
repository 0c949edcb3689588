package io.checkpointplus.spark.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a complete checkpoint holds, written last into its {@code rdd-<id>} directory as
 * {@value #FILE_NAME}: per partition its file, size, record count and CRC32C, and how the records
 * were serialized. Stock Spark lists only {@code part-*} files and ignores it.
 *
 * <p>The record count of a partition written by byte copy is not known (its records were never
 * deserialized): {@code "records": null} in the file, a null {@link Entry#records()} here.
 * Manifests of earlier versions, where every partition has a count, read unchanged; earlier
 * readers see a null count as 0 and verify sizes and checksums as before.
 */
public record CheckpointManifest(int version, String pluginVersion, String serializer,
    boolean compressed, String codec, List<Entry> partitions, PartitionerFile partitioner) {
  public static final String FILE_NAME = "_checkpoint-manifest.json";
  public static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One partition file; {@code records} is null when they were not counted (byte copy). */
  public record Entry(int partition, String file, long bytes, Long records, long crc32c) {
  }

  /**
   * The {@code _partitioner} file beside the part files, or null when none was written. Spark
   * reads a checkpoint whose file is missing or damaged without a partitioner, silently; the
   * manifest records it so that its loss is damage. Manifests of earlier versions have no
   * {@code "partitioner"} key: whether there was one is not known.
   */
  public record PartitionerFile(long bytes, long crc32c) {
  }

  /** A manifest of a checkpoint without a partitioner file. */
  public CheckpointManifest(int version, String pluginVersion, String serializer,
      boolean compressed, String codec, List<Entry> partitions) {
    this(version, pluginVersion, serializer, compressed, codec, partitions, null);
  }

  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", version);
    root.put("pluginVersion", pluginVersion);
    root.put("partitionCount", partitions.size());
    root.put("serializer", serializer);
    root.put("compressed", compressed);
    if (codec != null) {
      root.put("codec", codec);
    }
    if (partitioner == null) {
      root.putNull("partitioner");
    } else {
      root.putObject("partitioner").put("file", CheckpointFileManager.PARTITIONER_FILE)
          .put("bytes", partitioner.bytes()).put("crc32c", Long.toHexString(partitioner.crc32c()));
    }
    ArrayNode parts = root.putArray("partitions");
    for (Entry e : partitions) {
      parts.addObject().put("partition", e.partition()).put("file", e.file())
          .put("bytes", e.bytes()).put("records", e.records())
          .put("crc32c", Long.toHexString(e.crc32c()));
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static CheckpointManifest parse(String json) throws IOException {
    JsonNode root = JSON.readTree(json);
    List<Entry> parts = new ArrayList<>();
    for (JsonNode p : root.get("partitions")) {
      parts.add(new Entry(p.get("partition").asInt(), p.get("file").asText(),
          p.get("bytes").asLong(),
          p.hasNonNull("records") ? Long.valueOf(p.get("records").asLong()) : null,
          Long.parseUnsignedLong(p.get("crc32c").asText(), 16)));
    }
    if (parts.size() != root.get("partitionCount").asInt()) {
      throw new IOException("manifest lists " + parts.size() + " partitions but says "
          + root.get("partitionCount").asInt());
    }
    JsonNode p = root.get("partitioner");
    return new CheckpointManifest(root.get("version").asInt(), root.path("pluginVersion").asText(),
        root.get("serializer").asText(), root.get("compressed").asBoolean(),
        root.hasNonNull("codec") ? root.get("codec").asText() : null, parts,
        p == null || p.isNull() ? null : new PartitionerFile(p.get("bytes").asLong(),
            Long.parseUnsignedLong(p.get("crc32c").asText(), 16)));
  }
}
