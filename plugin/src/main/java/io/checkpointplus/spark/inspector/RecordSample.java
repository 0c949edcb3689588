package io.checkpointplus.spark.inspector;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.io.CompressionCodec$;
import org.apache.spark.serializer.KryoSerializer;

/**
 * Reads records of one partition file of a checkpoint to prove it deserializes, without running
 * application code. Java serialization is decoded structurally ({@link SerialStream}): no class
 * is loaded. Kryo goes through Spark's {@code KryoSerializer} with the application's registrator
 * removed from the settings (it is application code), so a record of a class absent here is
 * "not checked", never a failure. Compression (Spark's {@code spark.checkpoint.compress}) is
 * detected: the raw bytes are tried first, then each codec Spark ships.
 */
final class RecordSample {
  static final String KRYO = "org.apache.spark.serializer.KryoSerializer";
  private static final List<String> CODECS = List.of("lz4", "lzf", "snappy", "zstd");

  /** How a file read: records read, and whether the read stopped short of the end. */
  record Result(long records, boolean complete, String notChecked) {
  }

  private RecordSample() {
  }

  /**
   * Reads up to {@code max} records ({@code Long.MAX_VALUE}: all) of {@code file}.
   *
   * @param serializer the serializer class name that wrote it
   * @throws IOException when the file does not deserialize: the message says where it stopped
   */
  static Result read(FileSystem fs, Path file, String serializer, SparkConf conf, long max)
      throws IOException {
    Set<String> codecs = new LinkedHashSet<>();
    // Told it is compressed (spark.checkpoint.compress, or the manifest), the raw bytes are not
    // tried: Kryo could read compressed bytes as a few garbage records.
    if (!conf.getBoolean("spark.checkpoint.compress", false)) {
      codecs.add("none");
    }
    codecs.add(conf.get("spark.io.compression.codec", "lz4"));
    codecs.addAll(CODECS);
    List<String> failures = new ArrayList<>();
    IOException first = null;
    for (String codec : codecs) {
      try (InputStream in = open(fs, file, codec, conf)) {
        return KRYO.equals(serializer) ? kryo(in, conf, max) : java(in, max);
      } catch (IOException | RuntimeException e) {
        if (first == null && e instanceof IOException io) {
          first = io;
        }
        failures.add(codec + ": " + e.getMessage());
      }
    }
    throw new IOException("does not deserialize with " + serializer + " (uncompressed or any"
        + " codec): " + String.join("; ", failures), first);
  }

  private static InputStream open(FileSystem fs, Path file, String codec, SparkConf conf)
      throws IOException {
    InputStream raw = new BufferedInputStream(fs.open(file), 64 * 1024);
    if (codec.equals("none")) {
      return raw;
    }
    try {
      return CompressionCodec$.MODULE$.createCodec(conf, codec).compressedInputStream(raw);
    } catch (RuntimeException e) {
      raw.close();
      throw new IOException("not " + codec + ": " + e.getMessage(), e);
    }
  }

  private static Result java(InputStream in, long max) throws IOException {
    SerialStream stream = new SerialStream(in);
    long n = 0;
    try {
      stream.readTopLevel();
      n++;
      while (n < max && stream.skipNext()) {
        n++;
      }
    } catch (java.io.EOFException e) {
      if (n == 0) {
        // an empty partition: Spark writes only the stream header
        return new Result(0, true, null);
      }
      throw new IOException("record " + (n + 1) + " is cut off: the file ends inside it");
    } catch (IOException e) {
      throw new IOException("record " + (n + 1) + " cannot be decoded: " + e.getMessage());
    }
    return new Result(n, n < max, null);
  }

  private static Result kryo(InputStream in, SparkConf conf, long max) throws IOException {
    SparkConf safe = conf.clone().remove("spark.kryo.registrator")
        .remove("spark.kryo.classesToRegister").set("spark.kryo.registrationRequired", "false");
    scala.collection.Iterator<Object> it = new KryoSerializer(safe).newInstance()
        .deserializeStream(in).asIterator();
    long n = 0;
    try {
      while (n < max && it.hasNext()) {
        it.next();
        n++;
      }
    } catch (RuntimeException e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains("Unable to find class") || message.contains("ClassNotFound")) {
        return new Result(n, false, "record " + (n + 1) + " is of a class not on this class"
            + " path (" + message.lines().findFirst().orElse("") + ")");
      }
      throw new IOException("record " + (n + 1) + " cannot be read: " + message, e);
    }
    return new Result(n, n < max, null);
  }
}
