package io.checkpointplus.spark.checkpoint;

import org.apache.spark.InterruptibleIterator;
import scala.collection.Iterator;

/**
 * Tells, inside a checkpoint task, whether the partition's records come from the block manager
 * or were computed for this task.
 *
 * <p>The checkpoint job runs on the checkpointed RDD itself, as Spark's does (a wrapping RDD
 * would take an RDD id stock Spark does not, and ids seed {@code RangePartitioner}'s sampling),
 * so the task is handed what {@code RDD.iterator} returned. For a persisted RDD that is
 * {@code RDD.getOrCompute}'s iterator, which on a block hit is an anonymous subclass of
 * {@link InterruptibleIterator} (it counts records read from the cache), and after computing
 * the block is a plain {@code InterruptibleIterator}. A partition of an unpersisted RDD is
 * computed by definition.
 */
final class PartitionSource {
  private PartitionSource() {
  }

  static boolean readFromBlockManager(Iterator<?> records) {
    return records instanceof InterruptibleIterator<?>
        && records.getClass() != InterruptibleIterator.class;
  }
}
