package io.checkpointplus.spark.checkpoint;

import io.checkpointplus.spark.checkpoint.SparkInternals.SerializedBlock;
import io.checkpointplus.spark.files.CheckpointFileManager;
import io.checkpointplus.spark.files.CheckpointFileManager.PartitionFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskKilledException;
import org.apache.spark.io.CompressionCodec$;
import org.apache.spark.serializer.JavaSerializer;
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
 *   <li>compression agrees: {@code spark.rdd.compress} equals {@code spark.checkpoint.compress}
 *       (both use {@code spark.io.compression.codec}); where it does not, the bytes are
 *       decompressed, or compressed for Java serialization, on the way ({@link Recoding});</li>
 *   <li>I/O encryption is off.</li>
 * </ul>
 * The bytes come from this executor's block manager (memory, on or off heap, or disk). They go
 * to the file
 * below the codec (they are compressed already if they should be), through the file layer's
 * CRC32C, byte count and commit protocol. Anywhere else, or if the copy fails before the file is
 * committed, the caller serializes the records, which it has not consumed.
 */
final class BlockCopy {
  private static final Logger LOG = LoggerFactory.getLogger(BlockCopy.class);
  private static final int BUFFER = 64 * 1024;

  private BlockCopy() {
  }

  /** How a block's bytes become the checkpoint file's. */
  enum Recoding {
    /** Both compressed alike, or neither: the bytes as they are. */
    AS_IS,
    /** The block is not compressed, the checkpoint is: through Spark's codec. */
    COMPRESS,
    /** The block is compressed, the checkpoint is not: decompressed with Spark's codec. */
    DECOMPRESS
  }

  /**
   * How this executor's blocks of an RDD of element type {@code tag} become checkpoint files,
   * or null where they cannot: the block's serializer is not the checkpoint's, I/O encryption
   * is on, or compressing would not give stock's bytes. Both sides use the same codec
   * ({@code spark.io.compression.codec}), so decompressing a block always gives the serializer's
   * exact output. Compressing it gives the file stock Spark writes only if the serializer never
   * flushes its stream before the end, since codecs close a block at each flush: Java
   * serialization does not flush; Kryo flushes every time its buffer fills.
   */
  static Recoding recoding(SparkEnv env, ClassTag<?> tag) {
    Boolean rddCompressed = SparkInternals.rddBlocksCompressed(env.conf());
    if (rddCompressed == null || SparkInternals.ioEncryptionEnabled(env)
        || !SparkInternals.blocksUseCheckpointSerializer(env, tag)) {
      return null;
    }
    boolean checkpointCompressed = CheckpointFileManager.isCompressed(env.conf());
    if (rddCompressed == checkpointCompressed) {
      return Recoding.AS_IS;
    }
    if (rddCompressed) {
      return Recoding.DECOMPRESS;
    }
    return env.serializer() instanceof JavaSerializer ? Recoding.COMPRESS : null;
  }

  /**
   * Copies the partition's block into a new file of {@code files} and commits it; the task's
   * unread {@code records} are then finished as if read. Null when there is no block to copy
   * or the copy failed before the commit: nothing is left on storage and {@code records} is
   * untouched, for the caller to serialize. A failed or denied commit throws, as it does for a
   * serialized file.
   *
   * <p>Only a block of this executor is copied: a partition the task read from another
   * executor's cache was fetched whole already, and fetching it again to copy would double the
   * network and the memory; its fetched records are serialized instead. A killed task stops
   * between two buffers and fails as killed, never falling back.
   */
  static PartitionFile copy(SparkEnv env, CheckpointFileManager files, Recoding recoding,
      int rddId, TaskContext task, Iterator<?> records) throws IOException {
    int partition = task.partitionId();
    SerializedBlock block = SparkInternals.localSerializedBlock(env, rddId, partition, task);
    if (block == null) {
      return null;
    }
    PartitionFile file = null;
    try {
      file = recoding == Recoding.COMPRESS
          ? files.openPartition(partition, task.taskAttemptId(), env.conf())
          : files.openPartitionBelowCodec(partition, task.taskAttemptId(), env.conf());
      try (InputStream in = recoding == Recoding.DECOMPRESS
          ? CompressionCodec$.MODULE$.createCodec(env.conf()).compressedInputStream(block.open())
          : block.open(); OutputStream out = file.stream()) {
        byte[] buffer = new byte[BUFFER];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          task.killTaskIfInterrupted();
          out.write(buffer, 0, n);
        }
      }
    } catch (TaskKilledException | InterruptedIOException killed) {
      if (file != null) {
        file.abort();
      }
      throw killed;
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
