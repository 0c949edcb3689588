package io.checkpointplus.spark.inspector;

import io.checkpointplus.spark.files.CompressionFormat;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
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
 * "not checked", never a failure. Compression is read as Spark's {@code spark.checkpoint.compress}
 * says; where it is not set, as the file's magic bytes say, else raw ({@link #codecs}).
 */
final class RecordSample {
  static final String KRYO = "org.apache.spark.serializer.KryoSerializer";
  /** What Java serialization writes first: STREAM_MAGIC, STREAM_VERSION. */
  static final byte[] JAVA_STREAM_HEADER = {(byte) 0xac, (byte) 0xed, 0, 5};

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
    return read(fs, file, serializer, conf, max, null);
  }

  /**
   * As {@link #read(FileSystem, Path, String, SparkConf, long)}, adding what the records of a
   * Java-serialized file say of their classes to {@code classes} (when not null), for a check
   * against the classes Spark would resolve them with.
   */
  static Result read(FileSystem fs, Path file, String serializer, SparkConf conf, long max,
      SerializedClasses classes) throws IOException {
    List<String> codecs = codecs(fs, file, conf);
    List<String> failures = new ArrayList<>();
    IOException first = null;
    for (String codec : codecs) {
      try (InputStream in = open(fs, file, codec, conf)) {
        return KRYO.equals(serializer) ? kryo(in, conf, max)
            : java(in, max, classes, file.toString());
      } catch (IOException | RuntimeException e) {
        if (first == null && e instanceof IOException io) {
          first = io;
        }
        failures.add(codec + ": " + e.getMessage());
      }
    }
    throw new IOException("does not deserialize with " + serializer + " (read as "
        + String.join(", then ", codecs) + "): " + String.join("; ", failures), first);
  }

  /**
   * The codecs to read {@code file} of a checkpoint without a manifest with, in order: as
   * {@code spark.checkpoint.compress} says when it is set (another codec could read damaged
   * bytes as a few garbage records, or none, where Spark fails), else as the file's first bytes
   * say ({@link CompressionFormat#readingOrder}).
   */
  static List<String> codecs(FileSystem fs, Path file, SparkConf conf) throws IOException {
    String configured = conf.get("spark.io.compression.codec", "lz4");
    if (conf.contains("spark.checkpoint.compress")) {
      return List.of(conf.getBoolean("spark.checkpoint.compress", false) ? configured
          : CompressionFormat.NONE);
    }
    try (InputStream in = fs.open(file)) {
      return CompressionFormat.readingOrder(in.readNBytes(CompressionFormat.MAGIC_BYTES),
          configured);
    }
  }

  /** {@code file}'s bytes through {@code codec} ({@link CompressionFormat#NONE}: raw). */
  static InputStream open(FileSystem fs, Path file, String codec, SparkConf conf)
      throws IOException {
    InputStream raw = new BufferedInputStream(fs.open(file), 64 * 1024);
    if (codec.equals(CompressionFormat.NONE)) {
      return raw;
    }
    try {
      return CompressionCodec$.MODULE$.createCodec(conf, codec).compressedInputStream(raw);
    } catch (Exception e) { // Scala code: an IOException is not declared
      raw.close();
      throw new IOException("not " + codec + ": " + e.getMessage(), e);
    }
  }

  private static Result java(InputStream raw, long max, SerializedClasses classes,
      String source) throws IOException {
    InputStream in = new BufferedInputStream(raw, 8192);
    in.mark(5);
    byte[] head = in.readNBytes(5);
    if (head.length < 4) {
      // Spark's reader fails on it: even an empty partition has the 4-byte stream header
      throw new IOException("the stream header is cut off: " + head.length + " of its 4 bytes");
    }
    if (head.length == 4 && java.util.Arrays.equals(head, JAVA_STREAM_HEADER)) {
      // an empty partition: Spark writes only the stream header
      return new Result(0, true, null);
    }
    in.reset();
    SerialStream stream = new SerialStream(in);
    Object[] record = new Object[1];
    long n = 0;
    try {
      stream.readHeader();
      while (n < max && stream.next(record)) {
        n++;
        // drained always: the list would otherwise grow with every reset of a long stream
        List<SerialStream.Desc> descriptors = stream.drainDescriptors();
        if (classes != null) {
          classes.add(record[0], descriptors, source);
        }
      }
    } catch (java.io.EOFException e) {
      throw new IOException("record " + (n + 1) + " is cut off: the file ends inside it");
    } catch (IOException e) {
      throw new IOException("record " + (n + 1) + " cannot be decoded: " + e.getMessage());
    }
    return new Result(n, n < max, null);
  }

  /**
   * How many partitions the partitioner in {@code file} (a {@code _partitioner}, never
   * compressed) says there are.
   *
   * @return null when that cannot be told without application code: a partitioner of another
   *     class than {@code HashPartitioner} or {@code RangePartitioner} (Java serialization), or
   *     of a class not here (Kryo)
   * @throws IOException when the file does not deserialize
   */
  static Integer partitions(FileSystem fs, Path file, String serializer, SparkConf conf)
      throws IOException {
    try (InputStream in = new BufferedInputStream(fs.open(file), 8192)) {
      if (KRYO.equals(serializer)) {
        Object p = kryoSerializer(conf).newInstance().deserializeStream(in)
            .readObject(scala.reflect.ClassTag$.MODULE$.AnyRef());
        return p instanceof org.apache.spark.Partitioner partitioner
            ? partitioner.numPartitions() : null;
      }
      return javaPartitions(new SerialStream(in).readTopLevel());
    } catch (java.io.EOFException e) {
      throw new IOException("the partitioner is cut off: the file ends inside it");
    } catch (RuntimeException e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains("Unable to find class") || message.contains("ClassNotFound")) {
        return null;
      }
      throw new IOException("cannot be read: " + message.lines().findFirst().orElse(""), e);
    }
  }

  /** The class descriptors of a Java-serialized partitioner file, in stream order. */
  static List<SerialStream.Desc> javaDescriptors(FileSystem fs, Path file) throws IOException {
    try (InputStream in = new BufferedInputStream(fs.open(file), 8192)) {
      SerialStream stream = new SerialStream(in);
      stream.readTopLevel();
      return stream.descriptors();
    }
  }

  /**
   * How many partitions a Java-serialized partitioner says there are, read from its fields as
   * its {@code numPartitions} computes them: a {@code HashPartitioner}'s {@code partitions}; a
   * {@code RangePartitioner}'s range bounds plus one (its {@code partitions} field is the count
   * asked for, more than there are where fewer distinct keys made fewer ranges). Null for any
   * other partitioner, or fields not as expected.
   */
  static Integer javaPartitions(Object partitioner) {
    if (!(partitioner instanceof SerialStream.Obj obj)) {
      return null;
    }
    if (obj.desc.name.equals("org.apache.spark.HashPartitioner")
        && obj.field("partitions") instanceof Integer n) {
      return n;
    }
    if (obj.desc.name.equals("org.apache.spark.RangePartitioner")
        && obj.field("rangeBounds") instanceof SerialStream.Arr bounds) {
      return bounds.elements().size() + 1;
    }
    return null;
  }

  /**
   * Spark's Kryo with the application's registrator removed (it is application code). The
   * classes it names in {@code spark.kryo.classesToRegister} are kept: the records hold their
   * registration ids, which only the same registrations resolve.
   */
  private static KryoSerializer kryoSerializer(SparkConf conf) {
    return new KryoSerializer(conf.clone().remove("spark.kryo.registrator")
        .set("spark.kryo.registrationRequired", "false"));
  }

  private static Result kryo(InputStream in, SparkConf conf, long max) throws IOException {
    scala.collection.Iterator<Object> it;
    try {
      it = kryoSerializer(conf).newInstance().deserializeStream(in).asIterator();
    } catch (RuntimeException e) {
      // A class of spark.kryo.classesToRegister not on this class path: Spark cannot register it
      return new Result(0, false, "the records cannot be read without the application's Kryo"
          + " registrations (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
          + ")");
    }
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
      if (conf.contains("spark.kryo.registrator")) {
        // Ids the application's registrator assigned are unknown here: not proof of damage.
        return new Result(n, false, "record " + (n + 1) + " may be of a class the"
            + " application's registrator registers, which the inspector does not run ("
            + message.lines().findFirst().orElse("") + ")");
      }
      throw new IOException("record " + (n + 1) + " cannot be read: " + message, e);
    }
    return new Result(n, n < max, null);
  }

  /**
   * Why no part file deserialized, when the bytes say it: the compression the settings name is
   * not the one the files' magic bytes name ({@link #codecHint}), or the serializer is not the
   * one that wrote them ({@link #serializerHint}).
   *
   * @return the hint with the option that fixes it, or null when the bytes do not tell
   */
  static String hint(FileSystem fs, java.util.Collection<org.apache.hadoop.fs.FileStatus> parts,
      String serializer, SparkConf conf) throws IOException {
    String codec = codecHint(fs, parts, conf);
    return codec != null ? codec : serializerHint(fs, parts, serializer);
  }

  /**
   * Where {@code spark.checkpoint.compress} is given (so the files are read only as it says,
   * {@link #codecs}) and every non-empty part file's first bytes say otherwise: all name one
   * built-in codec that is not the one given, or none does while a built-in codec is given.
   */
  private static String codecHint(FileSystem fs,
      java.util.Collection<org.apache.hadoop.fs.FileStatus> parts, SparkConf conf)
      throws IOException {
    if (!conf.contains("spark.checkpoint.compress")) {
      return null;
    }
    boolean compress = conf.getBoolean("spark.checkpoint.compress", false);
    String configured = conf.get("spark.io.compression.codec", "lz4");
    java.util.Set<String> named = new java.util.TreeSet<>();
    boolean unnamed = false;
    for (org.apache.hadoop.fs.FileStatus f : parts) {
      if (f.getLen() > 0) {
        try (InputStream in = fs.open(f.getPath())) {
          java.util.Optional<String> codec = CompressionFormat.of(in.readNBytes(
              CompressionFormat.MAGIC_BYTES));
          codec.ifPresent(named::add);
          unnamed |= codec.isEmpty();
        }
      }
    }
    if (named.size() == 1 && !unnamed) {
      String codec = named.iterator().next();
      if (!compress) {
        return "the part files begin with " + codec + "'s magic bytes: verify with --conf"
            + " spark.checkpoint.compress=true --conf spark.io.compression.codec=" + codec;
      }
      if (!CompressionFormat.builtIn(configured).equals(java.util.Optional.of(codec))) {
        return "the part files begin with " + codec + "'s magic bytes, not " + configured
            + "'s: verify with --conf spark.io.compression.codec=" + codec;
      }
    }
    if (compress && named.isEmpty() && unnamed && CompressionFormat.builtIn(configured)
        .isPresent()) {
      return "no part file begins with a compression codec's magic bytes: verify with --conf"
          + " spark.checkpoint.compress=false (or without it: verify then reads each file as"
          + " its first bytes say)";
    }
    return null;
  }

  /**
   * Why no part file deserialized, when the bytes say it: Java-serialized files read as Kryo,
   * or files that are not Java-serialized (Kryo's have no header) read as Java.
   *
   * @return the hint with the option that fixes it, or null when the bytes do not tell
   */
  private static String serializerHint(FileSystem fs, java.util.Collection<org.apache.hadoop.fs
      .FileStatus> parts, String serializer) throws IOException {
    boolean javaHeaders = true;
    boolean allEmpty = true;
    for (org.apache.hadoop.fs.FileStatus f : parts) {
      if (f.getLen() > 0) {
        allEmpty = false;
        try (InputStream in = fs.open(f.getPath())) {
          javaHeaders &= java.util.Arrays.equals(in.readNBytes(4), JAVA_STREAM_HEADER);
        }
      }
    }
    if (allEmpty) {
      // Kryo writes nothing for an empty partition, Java serialization a header
      return KRYO.equals(serializer) ? null : "every part file is empty, as Kryo writes an"
          + " empty partition: verify with --conf spark.serializer=" + KRYO;
    }
    if (KRYO.equals(serializer) && javaHeaders) {
      return "the part files are Java-serialized: verify without --conf spark.serializer="
          + KRYO + " (Spark's default, JavaSerializer, wrote them)";
    }
    if (!KRYO.equals(serializer) && !javaHeaders) {
      return "no part file is Java-serialized (" + serializer + "): the application most"
          + " likely used Kryo; verify with --conf spark.serializer=" + KRYO
          + " (and --conf spark.checkpoint.compress=true if it compressed checkpoints)";
    }
    return null;
  }
}
