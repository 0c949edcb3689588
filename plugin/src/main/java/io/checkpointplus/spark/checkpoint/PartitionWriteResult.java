package io.checkpointplus.spark.checkpoint;

import java.io.Serializable;

/** What one task of a checkpoint job reports back about the partition it wrote. */
public record PartitionWriteResult(int partition, long bytes, long records, boolean fromCache,
    long writeNanos) implements Serializable {
}
