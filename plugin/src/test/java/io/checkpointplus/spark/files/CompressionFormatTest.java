package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.io.CompressionCodec$;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.Serializer;
import org.apache.spark.serializer.SerializationStream;
import org.junit.jupiter.api.Test;

/** Which codec wrote a stream, told by its first bytes, for every codec this Spark ships. */
class CompressionFormatTest {
  private static final SparkConf CONF = new SparkConf(false);

  private static byte[] compressed(String codec, byte[] raw) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = CompressionCodec$.MODULE$.createCodec(CONF, codec)
        .compressedOutputStream(bytes)) {
      out.write(raw);
    }
    return bytes.toByteArray();
  }

  private static byte[] serialized(Serializer serializer, Object... records) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SerializationStream s = serializer.newInstance().serializeStream(bytes);
    for (Object r : records) {
      s.writeObject(r, scala.reflect.ClassTag$.MODULE$.Any());
    }
    s.close();
    return bytes.toByteArray();
  }

  private static byte[] head(byte[] file) {
    return Arrays.copyOf(file, Math.min(file.length, CompressionFormat.MAGIC_BYTES));
  }

  @Test
  void eachCodecSparkShipsIsToldByItsFirstBytes() throws Exception {
    for (String codec : CompressionFormat.CODECS) {
      for (byte[] raw : List.of("x".getBytes(), new byte[100_000])) {
        assertEquals(Optional.of(codec), CompressionFormat.of(head(compressed(codec, raw))),
            codec + ", " + raw.length + " bytes");
      }
      byte[] empty = compressed(codec, new byte[0]);
      // LZF (and zstd before Spark 3.5) write nothing for nothing: an empty file, read raw,
      // which is what it holds (Kryo writes nothing for an empty partition either)
      assertEquals(empty.length == 0 ? Optional.empty() : Optional.of(codec),
          CompressionFormat.of(head(empty)), codec + ", empty: " + Arrays.toString(empty));
    }
  }

  @Test
  void uncompressedJavaAndKryoStreamsAreNoCodecAndAreReadRawFirst() {
    for (Serializer serializer : List.<Serializer>of(new JavaSerializer(CONF),
        new KryoSerializer(CONF))) {
      for (Object[] records : List.of(new Object[0], new Object[] {"x"},
          new Object[] {new long[] {42L}, 7, "ZV"})) {
        byte[] file = serialized(serializer, records);
        assertEquals(Optional.empty(), CompressionFormat.of(head(file)),
            serializer.getClass().getSimpleName() + " " + records.length);
        assertEquals(CompressionFormat.NONE, CompressionFormat.readingOrder(head(file), "lz4")
            .get(0));
      }
    }
  }

  @Test
  void theNamedCodecIsReadFirstThenTheRawBytesButNeverAnotherBuiltInCodec() throws Exception {
    byte[] zstd = head(compressed("zstd", "x".getBytes()));
    assertEquals(List.of("zstd", "none"), CompressionFormat.readingOrder(zstd, "lz4"));
    assertEquals(List.of("none"), CompressionFormat.readingOrder(new byte[] {1, 2}, "snappy"));
    assertEquals(List.of("none"), CompressionFormat.readingOrder(new byte[] {1, 2},
        "org.apache.spark.io.LZ4CompressionCodec"));
    // an application's own codec class: its stream cannot be recognised, so it is tried
    assertEquals(List.of("none", "com.example.MyCodec"),
        CompressionFormat.readingOrder(new byte[] {1, 2}, "com.example.MyCodec"));
  }
}
