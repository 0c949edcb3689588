package io.checkpointplus.spark.checkpoint;

import io.checkpointplus.spark.checkpoint.SparkInternals.SerializedBlock;
import io.checkpointplus.spark.files.CheckpointFileManager;
import io.checkpointplus.spark.files.CheckpointFileManager.PartitionFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;
import scala.reflect.ClassTag;

/**
 * Writes a partition's checkpoint file by copying the bytes of its serialized block, inside a
 * checkpoint task. A block stored serialized holds, byte for byte, what Spark's
 * {@code writePartitionToCheckpointFile} would write, when
 * <ul>
 *   <li>the block's serializer is the checkpoint's: {@code SerializerManager.getSerializer(tag,
 *       autoPick = true)} for the RDD's element class tag is of {@code spark.serializer}'s class
 *       (it picks Kryo by itself for primitive and String tags);</li>
 *   <li>compression agrees: {@code spark.rdd.compress} equals {@code spark.checkpoint.compress};
 *       when both are on, both use {@code spark.io.compression.codec} of the same configuration;</li>
 *   <li>I/O encryption is off.</li>
 * </ul>
 * The bytes come from this executor's block manager (memory, on or off heap, or disk) or, for a
 * partition the task read from another executor's cache, from that executor. They go to the file
 * below the codec (they are compressed already if they should be), through the file layer's
 * CRC32C, byte count and commit protocol. Anywhere else, or if the copy fails before the file is
 * committed, the caller serializes the records, which it has not consumed.
 */
final class BlockCopy {
  private static final Logger LOG = LoggerFactory.getLogger(BlockCopy.class);
  private static final int BUFFER = 64 * 1024;

  private BlockCopy() {
  }

  /**
   * Whether this executor's blocks of an RDD of element type {@code tag} hold the checkpoint's
   * bytes (serializer, compression, encryption; the block's level is checked per block).
   */
  static boolean blocksHoldCheckpointBytes(SparkEnv env, ClassTag<?> tag) {
    Boolean rddCompressed = SparkInternals.rddBlocksCompressed(env.conf());
    return rddCompressed != null
        && rddCompressed == CheckpointFileManager.isCompressed(env.conf())
        && !SparkInternals.ioEncryptionEnabled(env)
        && SparkInternals.blocksUseCheckpointSerializer(env, tag);
  }

  /**
   * Copies the partition's block into a new file of {@code files} and commits it; the task's
   * unread {@code records} are then finished as if read. Null when there is no block to copy
   * or the copy failed before the commit: nothing is left on storage and {@code records} is
   * untouched, for the caller to serialize. A failed or denied commit throws, as it does for a
   * serialized file.
   *
   * @param remoteAllowed whether the records were read from another executor's cache, whose
   *     copy may be fetched when this executor holds none
   */
  static PartitionFile copy(SparkEnv env, CheckpointFileManager files, int rddId,
      TaskContext task, Iterator<?> records, boolean remoteAllowed) throws IOException {
    int partition = task.partitionId();
    SerializedBlock block = SparkInternals.localSerializedBlock(env, rddId, partition, task);
    if (block == null && remoteAllowed) {
      block = SparkInternals.remoteBlock(env, rddId, partition);
    }
    if (block == null) {
      return null;
    }
    PartitionFile file = null;
    try {
      file = files.openPartitionBelowCodec(partition, task.taskAttemptId(), env.conf());
      try (InputStream in = block.open(); OutputStream out = file.stream()) {
        byte[] buffer = new byte[BUFFER];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          out.write(buffer, 0, n);
        }
      }
    } catch (IOException | RuntimeException e) {
      if (file != null) {
        file.abort();
      }
      LOG.warn("Copying the {} block of RDD {} partition {} failed ({}); its records are"
          + " serialized instead", block.location(), rddId, partition, e.toString());
      return null;
    } finally {
      block.release();
    }
    SparkInternals.finishUnread(records);
    file.commit();
    return file;
  }
}
