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
 * an error. Codec streams differ in what they do with bytes that are not theirs: Spark's LZ4
 * stream reads an input shorter than its header as an empty stream, so "reads without error"
 * would call a short damaged file "0 records, intact", or two different files equal.
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
   * The codecs to read a file of unknown compression with, in order, given its first bytes
   * {@code head} and the reader's {@code spark.io.compression.codec}: the codec its magic bytes
   * name, then the raw bytes (for the rare raw stream that begins like one). Without magic
   * bytes, the raw bytes only, and {@code configured} if it is a codec class of the
   * application's own, whose stream this class cannot recognise. Never another built-in codec:
   * every non-empty stream they write begins with their magic, and LZ4 reads any input shorter
   * than its 21-byte header as an empty stream, so trying it would call a short damaged raw
   * file "0 records".
   */
  public static List<String> readingOrder(byte[] head, String configured) {
    java.util.LinkedHashSet<String> order = new java.util.LinkedHashSet<>();
    of(head).ifPresent(order::add);
    order.add(NONE);
    if (builtIn(configured).isEmpty()) {
      order.add(configured);
    }
    return List.copyOf(order);
  }

  /**
   * The short name of {@code codec} (a short name or class name) when it is one of the codecs
   * Spark ships; empty for an application's own codec class.
   */
  public static Optional<String> builtIn(String codec) {
    String name = codec.toLowerCase(java.util.Locale.ROOT);
    for (String c : CODECS) {
      if (name.equals(c) || name.equals("org.apache.spark.io." + c + "compressioncodec")) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length
        && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
