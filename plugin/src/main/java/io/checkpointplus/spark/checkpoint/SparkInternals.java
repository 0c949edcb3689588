package io.checkpointplus.spark.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import org.apache.spark.InterruptibleIterator;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.ReliableRDDCheckpointData;
import org.apache.spark.storage.BlockData;
import org.apache.spark.storage.BlockInfo;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.ByteBufferBlockData;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.io.ChunkedByteBuffer;
import org.apache.spark.util.CompletionIterator;
import org.apache.spark.util.NextIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.collection.Iterator;
import scala.reflect.ClassTag;

/**
 * Every member of Spark's internals the plugin's checkpoint path touches, in one place: what Spark
 * fixed when {@code checkpoint()} was called, whether an action already walked past an RDD, and,
 * on executors, what byte copy needs of the block manager and serializer manager. A Spark build
 * without one of them makes these answer "unknown" (or "no block"), and the plugin then leaves
 * the RDD to Spark, or writes the partition by serializing its records.
 */
public final class SparkInternals {
  private static final Logger LOG = LoggerFactory.getLogger(SparkInternals.class);
  private static final Field CP_DIR = field(ReliableRDDCheckpointData.class, "cpDir");
  private static final Field DO_CHECKPOINT_CALLED = field(RDD.class, "doCheckpointCalled");
  private static final Field CP_RDD = field(org.apache.spark.rdd.RDDCheckpointData.class, "cpRDD");
  private static final Field COMPLETION_SUB = completionSub();
  private static final Field READ_LOCKS_BY_TASK =
      field(org.apache.spark.storage.BlockInfoManager.class, "readLocksByTask");

  private SparkInternals() {
  }

  private static Field field(Class<?> owner, String name) {
    try {
      Field f = owner.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  /**
   * Whether a checkpoint written off the job's thread can be finished as Spark's own
   * {@code RDDCheckpointData.checkpoint()} finishes one: its private {@code cpRDD} is known.
   */
  public static boolean canFinishCheckpointsElsewhere() {
    return CP_RDD != null;
  }

  /**
   * How many times the task scheduler tries a task before it aborts the stage: 1 on
   * {@code local[N]}, {@code F} on {@code local[N,F]}, {@code spark.task.maxFailures} on a
   * cluster. 1 when this cannot be told: a caller that reports the last attempt's failure
   * then reports the first, which only gives up a retry.
   */
  static int maxTaskFailures(org.apache.spark.SparkContext sc) {
    try {
      if (sc.taskScheduler() instanceof org.apache.spark.scheduler.TaskSchedulerImpl scheduler) {
        return Math.max(1, scheduler.maxTaskFailures());
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("Task scheduler's maxTaskFailures unknown", e);
    }
    return 1;
  }

  /**
   * Whether every partition of {@code rdd} has a block stored on some executor, as the block
   * manager master knows it once the job that stored them has ended (executors report each block
   * synchronously). False when a partition has none (a partial action, an eviction) or when this
   * cannot be told.
   */
  public static boolean everyPartitionStored(RDD<?> rdd) {
    try {
      int partitions = rdd.partitions().length;
      org.apache.spark.storage.BlockId[] ids = new org.apache.spark.storage.BlockId[partitions];
      for (int p = 0; p < partitions; p++) {
        ids[p] = new RDDBlockId(rdd.id(), p);
      }
      // An IndexedSeq of Seqs of locations; its type differs between Scala 2.12 and 2.13.
      scala.collection.Iterable<?> locations =
          SparkEnv.get().blockManager().master().getLocations(ids);
      for (scala.collection.Iterator<?> it = locations.iterator(); it.hasNext(); ) {
        if (((scala.collection.Iterable<?>) it.next()).isEmpty()) {
          return false;
        }
      }
      return locations.size() == partitions;
    } catch (Exception | LinkageError e) {
      unknown("the stored blocks of RDD " + rdd.id(), e);
      return false;
    }
  }

  /**
   * The active StreamingContext, or null when there is none or it cannot be known: the context
   * whose batches a background write belongs to.
   */
  public static Object activeStreamingContext() {
    try {
      scala.Option<org.apache.spark.streaming.StreamingContext> active =
          org.apache.spark.streaming.StreamingContext.getActive();
      return active.isEmpty() ? null : active.get();
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  /**
   * Whether {@code rdd} is one a DStream with a checkpoint interval generated, in the graph of
   * the active StreamingContext: a state (or windowed) stream's RDD, not one a batch's own code
   * checkpoints. False when unknown.
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  public static boolean generatedByACheckpointedDStream(RDD<?> rdd) {
    try {
      Object active = activeStreamingContext();
      if (active == null) {
        return false;
      }
      java.util.Deque<org.apache.spark.streaming.dstream.DStream> todo =
          new java.util.ArrayDeque<>(java.util.Arrays.asList(
              ((org.apache.spark.streaming.StreamingContext) active).graph()
                  .getOutputStreams()));
      java.util.Set<Object> seen =
          java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      while (!todo.isEmpty()) {
        org.apache.spark.streaming.dstream.DStream d = todo.pop();
        if (!seen.add(d)) {
          continue;
        }
        if (d.checkpointDuration() != null) {
          scala.collection.Iterator it = d.generatedRDDs().valuesIterator();
          while (it.hasNext()) {
            if (it.next() == rdd) {
              return true;
            }
          }
        }
        scala.collection.Iterator deps = d.dependencies().iterator();
        while (deps.hasNext()) {
          todo.push((org.apache.spark.streaming.dstream.DStream) deps.next());
        }
      }
      return false;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** Spark's {@code cpRDD = Some(checkpoint)}, as {@code checkpoint()} sets it. */
  static void setCheckpointRdd(org.apache.spark.rdd.RDDCheckpointData<?> data,
      org.apache.spark.rdd.CheckpointRDD<?> checkpoint) throws IllegalAccessException {
    CP_RDD.set(data, scala.Option.apply(checkpoint));
  }

  /**
   * Spark's {@code cpDir}: {@code checkpointPath(sc, id)} at the time {@code checkpoint()} was
   * called (a later {@code setCheckpointDir} does not move it); null if unknown.
   */
  static String checkpointDirectory(ReliableRDDCheckpointData<?> data) {
    try {
      return CP_DIR == null ? null : (String) CP_DIR.get(data);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Whether an earlier action's {@code doCheckpoint} already walked past {@code rdd}: Spark's own
   * checkpoint step never visits it again (SPARK-19215), so stock Spark will not checkpoint it
   * nor anything only reachable through it. False if unknown.
   */
  public static boolean doCheckpointCalled(RDD<?> rdd) {
    try {
      return DO_CHECKPOINT_CALLED != null && DO_CHECKPOINT_CALLED.getBoolean(rdd);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Undoes {@link #doCheckpointCalled} for {@code rdd}, whose checkpoint an action's background
   * write failed to write: the next action that reaches it checkpoints it, as Spark would have
   * after that action. Nothing if the field is unknown.
   */
  public static void forgetCheckpointWalk(RDD<?> rdd) {
    try {
      if (DO_CHECKPOINT_CALLED != null) {
        DO_CHECKPOINT_CALLED.setBoolean(rdd, false);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      unknown("whether RDD " + rdd.id() + " was walked", e);
    }
  }

  /**
   * Whether this executor's RDD blocks of element type {@code tag} are written by the serializer
   * checkpoints use: the block manager asks {@code SerializerManager.getSerializer(tag,
   * autoPick = true)}, which picks Kryo by itself for primitive and String class tags, while a
   * checkpoint always uses {@code spark.serializer}. False if unknown.
   */
  static boolean blocksUseCheckpointSerializer(SparkEnv env, ClassTag<?> tag) {
    try {
      return env.serializerManager().getSerializer(tag, true).getClass()
          == env.serializer().getClass();
    } catch (RuntimeException | LinkageError e) {
      return unknown("the serializer of RDD blocks", e);
    }
  }

  /**
   * Whether RDD blocks stored serialized are compressed ({@code spark.rdd.compress}, read through
   * Spark's own entry as {@code SerializerManager} does); null if unknown.
   */
  static Boolean rddBlocksCompressed(SparkConf conf) {
    try {
      return (Boolean) conf.get((org.apache.spark.internal.config.ConfigEntry<Object>)
          (org.apache.spark.internal.config.ConfigEntry<?>)
          org.apache.spark.internal.config.package$.MODULE$.RDD_COMPRESS());
    } catch (RuntimeException | LinkageError e) {
      unknown("spark.rdd.compress", e);
      return null;
    }
  }

  /** Whether blocks are encrypted ({@code spark.io.encryption.enabled}); true if unknown. */
  static boolean ioEncryptionEnabled(SparkEnv env) {
    try {
      return env.serializerManager().encryptionEnabled();
    } catch (RuntimeException | LinkageError e) {
      unknown("I/O encryption", e);
      return true;
    }
  }

  /**
   * The bytes of partition {@code partition} of RDD {@code rddId} as this executor's block
   * manager stores them, if it holds the block at a serialized level (in memory, on or off heap,
   * or on disk); null otherwise. The block stays locked for reading (it cannot be evicted) until
   * {@link SerializedBlock#release()}.
   *
   * <p>Reads as {@code BlockManager.getLocalBytes} does, with two differences that matter inside
   * a checkpoint task, which often holds a read lock on the same block already (through the
   * records {@code RDD.iterator} handed it): the lock is not waited for (a block being written
   * is left to the records), and a block whose data is gone is only reported absent. Spark's
   * own failed-read handler removes such a block, which waits for every read lock on it to be
   * released: that task's own lock included, so it would wait forever. Nor are disk bytes
   * cached in memory on the way, which could evict other blocks.
   */
  static SerializedBlock localSerializedBlock(SparkEnv env, int rddId, int partition,
      TaskContext task) {
    BlockManager blocks;
    RDDBlockId id;
    Option<BlockInfo> locked;
    try {
      blocks = env.blockManager();
      id = new RDDBlockId(rddId, partition);
      locked = blocks.blockInfoManager().lockForReading(id, false);
    } catch (Exception | LinkageError e) {
      unknown("the local block of RDD " + rddId + " partition " + partition, e);
      return null;
    }
    if (locked.isEmpty()) {
      return null; // not here, or being written
    }
    BlockData block = null;
    try {
      block = storedBytes(blocks, id, locked.get().level());
    } catch (Exception | LinkageError e) {
      unknown("the local block of RDD " + rddId + " partition " + partition, e);
    }
    if (block == null) {
      blocks.releaseLock(id, Option.apply(task));
      return null;
    }
    BlockData bytes = block;
    return new SerializedBlock() {
      @Override
      public InputStream open() {
        return bytes.toInputStream();
      }

      @Override
      public String location() {
        return "local";
      }

      @Override
      public void release() {
        blocks.releaseLockAndDispose(id, bytes, Option.apply(task));
      }
    };
  }

  /**
   * The bytes of a block this task holds locked for reading, if it is stored serialized and its
   * data is still there; null otherwise. A deserialized level would have the objects serialized
   * again: no gain over serializing the records.
   */
  private static BlockData storedBytes(BlockManager blocks, RDDBlockId id, StorageLevel level) {
    if (level.deserialized()) {
      return null;
    }
    if (level.useMemory()) {
      Option<ChunkedByteBuffer> bytes = blocks.memoryStore().getBytes(id);
      if (bytes.isDefined()) {
        return new ByteBufferBlockData(bytes.get(), false);
      }
    }
    if (level.useDisk() && blocks.diskStore().contains(id)) {
      return blocks.diskStore().getBytes(id); // a file deleted since fails open(): a fallback
    }
    return null;
  }

  /**
   * Releases every read lock task {@code task} still holds on blocks of the RDDs {@code rddIds}:
   * an iterator over a block that the task stopped reading before its end (an action's
   * {@code take}) keeps its lock until Spark releases all of the task's locks after it ends,
   * which {@code spark.storage.exceptionOnPinLeak} turns into a failure. Call at task
   * completion, when nothing reads those iterators any more. Locks on blocks of other RDDs
   * (the application's own cache) are left to Spark.
   */
  static void releaseReadLocks(SparkEnv env, TaskContext task, java.util.Set<Integer> rddIds) {
    if (READ_LOCKS_BY_TASK == null) {
      return;
    }
    try {
      BlockManager blocks = env.blockManager();
      Object byTask = READ_LOCKS_BY_TASK.get(blocks.blockInfoManager());
      // A multiset of the blocks the task holds, each as many times as it is locked.
      Object held = ((java.util.Map<?, ?>) byTask).get(task.taskAttemptId());
      if (!(held instanceof java.util.Collection<?> locks)) {
        return;
      }
      // Through the lock manager: BlockManager.releaseLock ignores a task already completed.
      Option<Object> owner = Option.apply(task.taskAttemptId());
      for (Object id : new java.util.ArrayList<>(locks)) {
        if (id instanceof RDDBlockId block && rddIds.contains(block.rddId())) {
          blocks.blockInfoManager().unlock(block, owner);
        }
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // Spark releases what a task still holds when it ends.
      unknown("the block locks of task " + task.taskAttemptId(), e);
    }
  }

  /**
   * Finishes, unread, the iterator {@code RDD.getOrCompute} handed the task for a block the task
   * copied instead: runs what Spark runs when that iterator is exhausted (release of the block's
   * read lock, disposal of what it read), so the task ends holding no lock of its own. An
   * iterator over a remote copy or over computed records holds none and is left as it is.
   */
  static void finishUnread(Iterator<?> records) {
    try {
      if (records instanceof InterruptibleIterator<?>
          && ((InterruptibleIterator<?>) records).delegate() instanceof CompletionIterator<?, ?>) {
        CompletionIterator<?, ?> completing =
            (CompletionIterator<?, ?>) ((InterruptibleIterator<?>) records).delegate();
        closeDeserialization(completing);
        completing.completion();
      }
    } catch (RuntimeException | LinkageError e) {
      // Spark releases what a task still holds when it ends.
      unknown("the completion of a copied block's iterator", e);
    }
  }

  /**
   * Closes the deserialization stream under a block's unread iterator, as reading it to the end
   * would: its decompressor may hold native memory (zstd) and a disk block an open file.
   */
  private static void closeDeserialization(CompletionIterator<?, ?> completing) {
    if (COMPLETION_SUB == null) {
      return;
    }
    try {
      Object sub = COMPLETION_SUB.get(completing);
      if (sub instanceof NextIterator<?> stream) {
        stream.closeIfNeeded();
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      unknown("the stream under a copied block's iterator", e);
    }
  }

  /** {@code CompletionIterator}'s iterator field (its only field of type Iterator). */
  private static Field completionSub() {
    for (Field f : CompletionIterator.class.getDeclaredFields()) {
      if (Iterator.class.isAssignableFrom(f.getType())) {
        try {
          f.setAccessible(true);
          return f;
        } catch (RuntimeException e) {
          return null;
        }
      }
    }
    return null;
  }

  private static boolean unknown(String what, Throwable e) {
    LOG.debug("Cannot read {} from this Spark; the partition is serialized", what, e);
    return false;
  }

  /** A block's serialized bytes, readable while held. */
  interface SerializedBlock {
    /** The block's bytes, as stored (after compression, if any). */
    InputStream open() throws IOException;

    /** {@code local} or {@code remote}, for logs. */
    String location();

    /** Unlocks and disposes what {@link #open()} read; call once. */
    void release();
  }
}
