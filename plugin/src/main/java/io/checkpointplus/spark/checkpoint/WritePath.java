package io.checkpointplus.spark.checkpoint;

/**
 * How a checkpoint task produced a partition file: by copying the bytes of the partition's
 * serialized block ({@link BlockCopy}), or by serializing its records as Spark's own
 * {@code writePartitionToCheckpointFile} does. Both give the same file; only the serialized path
 * counts records (counting a copied block's records would mean deserializing it).
 */
public enum WritePath {
  BYTE_COPY("byte-copy"),
  SERIALIZED("serialized");

  private final String wireName;

  WritePath(String wireName) {
    this.wireName = wireName;
  }

  /** The name in audit events. */
  public String wireName() {
    return wireName;
  }

  static WritePath fromWireName(String name) {
    for (WritePath p : values()) {
      if (p.wireName.equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("Unknown write path " + name);
  }
}
