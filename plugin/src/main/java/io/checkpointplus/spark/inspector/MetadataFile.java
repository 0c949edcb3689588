package io.checkpointplus.spark.inspector;

import io.checkpointplus.spark.files.CompressionFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.io.CompressionCodec;
import org.apache.spark.io.CompressionCodec$;

/**
 * One Spark Streaming metadata checkpoint file ({@code checkpoint-<time>[.bk]}), read as bytes
 * and decoded structurally. Spark compresses it with the writing application's
 * {@code spark.io.compression.codec}, which is unknown here, so, as the plugin's retention does
 * for the same files, each codec Spark ships is tried (the one {@code --conf} names first) and
 * the first reading that is a complete Java serialization stream wins.
 */
final class MetadataFile {
  /** Spark's {@code Checkpoint.REGEX}. */
  static final Pattern NAME = Pattern.compile("checkpoint-([\\d]+)([\\w\\.]*)");
  private static final int MAX_BYTES = 256 << 20;

  final Path path;
  /** The codec that decompressed it ({@code none} for raw bytes). */
  final String codec;
  final Object root;
  final List<SerialStream.Desc> descriptors;

  private MetadataFile(Path path, String codec, Object root, List<SerialStream.Desc> descriptors) {
    this.path = path;
    this.codec = codec;
    this.root = root;
    this.descriptors = descriptors;
  }

  /**
   * Reads and decodes {@code path}.
   *
   * @throws IOException naming the file and what each reading found when no codec gives a
   *     complete stream (a torn or truncated file)
   */
  static MetadataFile read(Path path, Configuration hadoopConf, SparkConf conf)
      throws IOException {
    FileSystem fs = path.getFileSystem(hadoopConf);
    byte[] raw;
    try (InputStream in = fs.open(path)) {
      raw = in.readNBytes(MAX_BYTES);
    }
    Set<String> codecs = new LinkedHashSet<>();
    codecs.add(conf.get("spark.io.compression.codec", "lz4"));
    codecs.addAll(CompressionFormat.CODECS);
    List<String> failures = new ArrayList<>();
    for (String name : codecs) {
      byte[] bytes;
      try {
        bytes = decompress(CompressionCodec$.MODULE$.createCodec(conf, name), raw);
      } catch (IOException | RuntimeException | LinkageError e) {
        failures.add(name + ": " + e.getMessage());
        continue;
      }
      try {
        SerialStream stream = new SerialStream(new ByteArrayInputStream(bytes));
        Object root = stream.readTopLevel();
        return new MetadataFile(path, name, root, stream.descriptors());
      } catch (IOException | RuntimeException e) {
        failures.add(name + ": " + bytes.length + " bytes decompressed, " + e);
      }
    }
    try {
      SerialStream stream = new SerialStream(new ByteArrayInputStream(raw));
      return new MetadataFile(path, "none", stream.readTopLevel(), stream.descriptors());
    } catch (IOException | RuntimeException e) {
      failures.add("uncompressed: " + e);
    }
    throw new IOException("Streaming metadata checkpoint " + path + " (" + raw.length
        + " bytes) is not a complete serialized Checkpoint with any codec (torn or"
        + " truncated?): " + String.join("; ", failures));
  }

  private static byte[] decompress(CompressionCodec codec, byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = codec.compressedInputStream(new ByteArrayInputStream(raw))) {
      byte[] buffer = new byte[64 * 1024];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        out.write(buffer, 0, n);
        if (out.size() > MAX_BYTES) {
          throw new IOException("more than " + MAX_BYTES + " bytes decompressed");
        }
      }
    }
    return out.toByteArray();
  }
}
