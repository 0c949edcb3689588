package io.checkpointplus.spark.checkpoint;

import java.io.Serializable;

/**
 * What one task of a checkpoint job reports back about the partition it wrote: the facts the
 * manifest and the audit events need, counted where the bytes were written.
 */
public record PartitionWriteResult(int partition, String file, long bytes, long records,
    long crc32c, boolean fromCache, long writeNanos) implements Serializable {
}
