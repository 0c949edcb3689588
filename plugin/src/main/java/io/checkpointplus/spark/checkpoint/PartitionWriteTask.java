package io.checkpointplus.spark.checkpoint;

import io.checkpointplus.spark.files.CheckpointFileManager;
import io.checkpointplus.spark.files.CheckpointFileManager.PartitionFile;
import io.checkpointplus.spark.files.CommitMode;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.util.SerializableConfiguration;
import scala.collection.Iterator;
import scala.reflect.ClassTag;
import scala.runtime.AbstractFunction2;

/**
 * The function each task of a checkpoint job runs on an executor: write the partition's file
 * exactly as Spark's {@code writePartitionToCheckpointFile} would, commit it, and report size,
 * record count, source and write path. The job runs on the checkpointed RDD itself, as Spark's
 * own checkpoint job does, so the iterator comes from {@code RDD.iterator}: from the block
 * manager when the partition is cached, computed otherwise.
 *
 * <p>Where the partition's block is stored serialized as the checkpoint would write it, the file
 * is a copy of the block's bytes ({@link BlockCopy}); anywhere else the records are serialized.
 */
final class PartitionWriteTask<T> extends AbstractFunction2<TaskContext, Iterator<T>, byte[]>
    implements Serializable {
  private static final long serialVersionUID = 3L;
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(PartitionWriteTask.class);

  private final String dir;
  private final Broadcast<SerializableConfiguration> hadoopConf;
  private final CommitMode commit;
  private final ClassTag<T> tag;
  private final int rddId;
  /** Whether to try byte copy: enabled, and the RDD's storage level is a serialized one. */
  private final boolean byteCopy;
  /**
   * Whether only a partition read from the block manager may be written: a background write
   * of an RDD checkpoint never writes records computed again after its action returned.
   */
  private final boolean cachedOnly;
  /**
   * From this attempt number on, a failure is reported as the task's result
   * ({@link PartitionWriteFailure}) instead of failing the task: a background write's last
   * allowed attempt, so that its failure aborts no stage a running job shares.
   * {@link Integer#MAX_VALUE} for a write on the action's path, which fails as Spark's does.
   */
  private final int reportFailuresFromAttempt;

  PartitionWriteTask(String dir, Broadcast<SerializableConfiguration> hadoopConf,
      CommitMode commit, ClassTag<T> tag, int rddId, boolean byteCopy, boolean cachedOnly,
      int reportFailuresFromAttempt) {
    this.dir = dir;
    this.hadoopConf = hadoopConf;
    this.commit = commit;
    this.tag = tag;
    this.rddId = rddId;
    this.byteCopy = byteCopy;
    this.cachedOnly = cachedOnly;
    this.reportFailuresFromAttempt = reportFailuresFromAttempt;
  }

  /** Whether a failure may come back as a result ({@link PartitionWriteFailure}). */
  boolean reportsFailures() {
    return reportFailuresFromAttempt != Integer.MAX_VALUE;
  }

  @Override
  public byte[] apply(TaskContext context, Iterator<T> records) {
    // A retry may read the block an earlier attempt computed (getOrCompute stores it first),
    // and a speculative copy must not stop a healthy original: thrown, never reported.
    if (cachedOnly && context.attemptNumber() > 0) {
      throw new IllegalStateException("Partition " + context.partitionId() + " of RDD "
          + rddId + ": attempt " + context.attemptNumber() + " of a background checkpoint"
          + " write, which writes only what its first attempt reads from the block manager");
    }
    try {
      return write(context, records);
    } catch (Throwable t) {
      if (!reportable(context, t)) {
        throw PartitionWriteTask.<RuntimeException>rethrow(t);
      }
      LOG.warn("Checkpoint write of partition {} of RDD {} failed (task attempt {}); reported"
          + " to the driver as the write's failure", context.partitionId(), rddId,
          context.taskAttemptId(), t);
      try {
        return new PartitionWriteFailure(context.partitionId(), context.taskAttemptId(),
            context.attemptNumber(), t).toBytes();
      } catch (RuntimeException encoding) {
        t.addSuppressed(encoding);
        throw PartitionWriteTask.<RuntimeException>rethrow(t);
      }
    }
  }

  /**
   * Whether this failure is reported as the task's result: a background write's last allowed
   * attempt, failed by the write itself. What Spark's scheduler acts on stays a task failure,
   * as do fatal errors: a killed task, a denied commit (a speculative copy lost the race), a
   * fetch failure (Spark runs the map stage again).
   */
  private boolean reportable(TaskContext context, Throwable t) {
    if (context.attemptNumber() < reportFailuresFromAttempt || context.isInterrupted()
        || t instanceof VirtualMachineError || t instanceof InterruptedException) {
      return false;
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String name = c.getClass().getName();
      if (name.equals("org.apache.spark.executor.CommitDeniedException")
          || name.equals("org.apache.spark.shuffle.FetchFailedException")
          || name.equals("org.apache.spark.shuffle.MetadataFetchFailedException")
          || name.equals("org.apache.spark.TaskKilledException")) {
        return false;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable t) throws E {
    throw (E) t;
  }

  private byte[] write(TaskContext context, Iterator<T> records) {
    long start = System.nanoTime();
    boolean fromCache = PartitionSource.readFromBlockManager(records);
    if (cachedOnly && !fromCache) {
      throw new IllegalStateException("Partition " + context.partitionId() + " of RDD " + rddId
          + " is no longer in the block manager (unpersisted or evicted since its action);"
          + " a background checkpoint write never writes recomputed records, so the RDD stays"
          + " marked for its next action");
    }
    SparkEnv env = SparkEnv.get();
    try {
      CheckpointFileManager files =
          new CheckpointFileManager(new Path(dir), hadoopConf.value().value(), commit);
      BlockCopy.Recoding recoding = byteCopy ? BlockCopy.recoding(env, tag) : null;
      if (recoding != null) {
        PartitionFile copied = BlockCopy.copy(env, files, recoding, rddId, context, records);
        if (copied != null) {
          return result(context, copied, PartitionWriteResult.NOT_COUNTED, fromCache, start,
              WritePath.BYTE_COPY);
        }
      }
      PartitionFile file = files.openPartition(context.partitionId(), context.taskAttemptId(),
          env.conf());
      long count = 0;
      try {
        SerializationStream out = env.serializer().newInstance().serializeStream(file.stream());
        try {
          while (records.hasNext()) {
            out.writeObject(records.next(), tag);
            count++;
          }
        } finally {
          out.close();
        }
      } catch (Throwable t) {
        file.abort();
        throw t;
      }
      file.commit();
      return result(context, file, count, fromCache, start, WritePath.SERIALIZED);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] result(TaskContext context, PartitionFile file, long records,
      boolean fromCache, long start, WritePath path) {
    return new PartitionWriteResult(context.partitionId(), file.finalPath().getName(),
        file.bytesWritten(), records, file.crc32c(), fromCache, System.nanoTime() - start, path,
        context.taskAttemptId()).toBytes();
  }
}
