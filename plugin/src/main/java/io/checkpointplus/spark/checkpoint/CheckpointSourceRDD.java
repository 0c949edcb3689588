package io.checkpointplus.spark.checkpoint;

import org.apache.spark.InterruptibleIterator;
import org.apache.spark.Partition;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.BlockResult;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;
import scala.Option;
import scala.collection.Iterator;
import scala.reflect.ClassTag;

/**
 * What the checkpoint job reads: the checkpointed RDD's partitions, one to one. A partition the
 * block manager holds (on this executor or another) is read from there; any other partition is
 * computed through the RDD's {@code iterator()}, which caches it on the way when the RDD is
 * persisted. Each partition's iterator says which of the two happened.
 */
final class CheckpointSourceRDD<T> extends RDD<T> {
  private static final long serialVersionUID = 1L;

  private final ClassTag<T> tag;

  CheckpointSourceRDD(RDD<T> parent, ClassTag<T> tag) {
    super(parent, tag);
    this.tag = tag;
  }

  @Override
  public Iterator<T> compute(Partition split, TaskContext context) {
    RDD<T> parent = firstParent(tag);
    if (!parent.getStorageLevel().equals(StorageLevel.NONE())) {
      Option<BlockResult> cached = SparkEnv.get().blockManager()
          .get(new RDDBlockId(parent.id(), split.index()), tag);
      if (cached.isDefined()) {
        context.taskMetrics().inputMetrics().incBytesRead(cached.get().bytes());
        @SuppressWarnings("unchecked")
        Iterator<T> data = (Iterator<T>) cached.get().data();
        return new SourcedIterator<>(new InterruptibleIterator<>(context, data), true);
      }
    }
    return new SourcedIterator<>(parent.iterator(split, context), false);
  }

  @Override
  public Partition[] getPartitions() {
    return firstParent(tag).partitions();
  }

  @Override
  public Option<Partitioner> partitioner() {
    return firstParent(tag).partitioner();
  }
}
