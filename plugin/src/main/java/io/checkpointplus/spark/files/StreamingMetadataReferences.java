package io.checkpointplus.spark.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.io.CompressionCodec;
import org.apache.spark.io.CompressionCodec$;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code <uuid>} directories that Spark Streaming's metadata checkpoints in a checkpoint
 * root name. {@code ssc.checkpoint(dir)} writes {@code dir/checkpoint-<timeMs>} (and
 * {@code .bk}) and sets {@code dir} as the RDD checkpoint directory, so a stateful DStream's
 * {@code rdd-N} go to {@code dir/<uuid>/}. A restart restores from the newest metadata file it
 * can read, falling back to older ones, so every retained metadata file (Spark keeps ten) may
 * be the one a restart uses: a directory any of them names must survive retention.
 *
 * <p>Why bytes and not deserialization: the metadata is a Java-serialized
 * {@code org.apache.spark.streaming.Checkpoint} whose graph holds the application's function
 * objects, classes this application may not have (another application's metadata, or an old
 * version of it). The {@code rdd-N} paths are plain strings in that stream, so their
 * {@code <uuid>} names appear as ASCII once the file is decompressed. The codec is the writing
 * application's {@code spark.io.compression.codec}, unknown here, so every codec Spark ships
 * is tried, and the raw bytes too; names found in any reading count. Finding a name that is
 * not a reference only keeps a directory longer: the mistake is always towards keeping.
 */
final class StreamingMetadataReferences {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingMetadataReferences.class);
  /** Spark's {@code Checkpoint.REGEX}. */
  static final Pattern METADATA_FILE = Pattern.compile("checkpoint-([\\d]+)([\\w\\.]*)");
  private static final Pattern UUID = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  /** Metadata is kilobytes to megabytes; beyond this a reading stops (a corrupt stream). */
  private static final int MAX_BYTES = 256 << 20;

  private StreamingMetadataReferences() {
  }

  /** Whether {@code status} is a streaming metadata checkpoint file. */
  static boolean isMetadataFile(FileStatus status) {
    return status.isFile() && METADATA_FILE.matcher(status.getPath().getName()).matches();
  }

  /**
   * The {@code <uuid>} names the given metadata files contain.
   *
   * @throws IOException when a metadata file cannot be read: what it names is then unknown,
   *     and the caller must not sweep the root
   */
  static Set<String> uuidNames(FileSystem fs, List<FileStatus> metadataFiles) throws IOException {
    Set<String> names = new HashSet<>();
    for (FileStatus file : metadataFiles) {
      byte[] bytes;
      try (InputStream in = fs.open(file.getPath())) {
        bytes = in.readNBytes(MAX_BYTES);
      }
      for (byte[] reading : readings(bytes)) {
        Matcher m = UUID.matcher(new String(reading, StandardCharsets.ISO_8859_1));
        while (m.find()) {
          names.add(m.group());
        }
      }
    }
    return names;
  }

  /** The raw bytes, and their decompression by each codec that accepts them. */
  private static List<byte[]> readings(byte[] raw) {
    List<byte[]> readings = new ArrayList<>();
    readings.add(raw);
    SparkConf conf = SparkEnv.get() != null ? SparkEnv.get().conf() : new SparkConf(false);
    Set<String> codecs = new LinkedHashSet<>();
    codecs.add(conf.get("spark.io.compression.codec", "lz4"));
    codecs.addAll(CompressionFormat.CODECS);
    for (String name : codecs) {
      try {
        CompressionCodec codec = CompressionCodec$.MODULE$.createCodec(conf, name);
        readings.add(decompress(codec, raw));
      } catch (RuntimeException | LinkageError e) {
        LOG.trace("No codec {} here: {}", name, e.toString());
      }
    }
    return readings;
  }

  /**
   * What {@code codec} makes of {@code raw}, up to where it fails: the beginning of a damaged
   * file still names directories.
   */
  private static byte[] decompress(CompressionCodec codec, byte[] raw) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = codec.compressedInputStream(new java.io.ByteArrayInputStream(raw))) {
      for (int n = in.read(buffer); n >= 0 && out.size() < MAX_BYTES; n = in.read(buffer)) {
        out.write(buffer, 0, n);
      }
    } catch (IOException | RuntimeException | LinkageError e) {
      LOG.trace("Metadata checkpoint read with {} stopped: {}", codec, e.toString());
    }
    return out.toByteArray();
  }
}
