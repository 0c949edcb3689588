package io.checkpointplus.spark.files;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The compression codecs Spark ships ({@code spark.io.compression.codec}), and which of them
 * wrote a stream, told by the magic bytes each codec's stream begins with.
 *
 * <p>Why by its bytes: a reader that does not know how a file was written (a stock Spark
 * checkpoint has no manifest) must not settle for the first codec whose stream reads without
 * an error. Codec streams differ in what they do with bytes that are not theirs: Spark 4.1's
 * LZ4 stream reads a short uncompressed file as an empty stream, so "reads without error"
 * would call a damaged file "0 records, intact". The magic bytes say which codec to try first;
 * the others remain for the rare raw stream that happens to begin like one.
 */
public final class CompressionFormat {
  /** Spark's short codec names, in the order Spark documents them. */
  public static final List<String> CODECS = List.of("lz4", "lzf", "snappy", "zstd");
  /** Not compressed: the name readers use for the raw bytes. */
  public static final String NONE = "none";

  private static final byte[] LZ4 = ascii("LZ4Block");
  private static final byte[] LZF = ascii("ZV");
  private static final byte[] SNAPPY = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
  private static final byte[] ZSTD = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
  /** The most bytes {@link #of(byte[])} looks at. */
  public static final int MAGIC_BYTES = 8;

  private CompressionFormat() {
  }

  /**
   * The codec whose stream begins with {@code head} (the first {@link #MAGIC_BYTES} bytes of a
   * file, or fewer if it is shorter), or empty when none does: then the bytes are most likely
   * not compressed.
   */
  public static Optional<String> of(byte[] head) {
    if (startsWith(head, LZ4)) {
      return Optional.of("lz4");
    }
    if (startsWith(head, SNAPPY)) {
      return Optional.of("snappy");
    }
    if (startsWith(head, ZSTD)) {
      return Optional.of("zstd");
    }
    // an LZF chunk: "ZV", then 0 (stored) or 1 (compressed)
    if (startsWith(head, LZF) && head.length > 2 && (head[2] == 0 || head[2] == 1)) {
      return Optional.of("lzf");
    }
    return Optional.empty();
  }

  /**
   * The order in which to try reading a file of unknown compression whose first bytes are
   * {@code head}: the codec its magic bytes name (else the raw bytes), then the raw bytes and
   * {@code configured}, then every other codec.
   */
  public static List<String> readingOrder(byte[] head, String configured) {
    java.util.LinkedHashSet<String> order = new java.util.LinkedHashSet<>();
    order.add(of(head).orElse(NONE));
    order.add(NONE);
    order.add(configured);
    order.addAll(CODECS);
    return List.copyOf(order);
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length
        && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
