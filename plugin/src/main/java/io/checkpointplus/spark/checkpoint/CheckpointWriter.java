package io.checkpointplus.spark.checkpoint;

import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.AuditLog;
import io.checkpointplus.spark.files.CheckpointFileManager;
import io.checkpointplus.spark.policy.CheckpointPlan;
import io.checkpointplus.spark.policy.Lineage;
import io.checkpointplus.spark.files.CheckpointManifest;
import io.checkpointplus.spark.files.CommitMode;
import io.checkpointplus.spark.files.RetentionSweeper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.fs.Path;
import org.apache.spark.FutureAction;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.ReliableCheckpointRDD;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction0;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Writes one RDD to its {@code rdd-<id>} directory in Spark's format and returns the
 * {@link ReliableCheckpointRDD} that replaces its lineage: the plugin's counterpart of
 * {@code ReliableCheckpointRDD.writeRDDToCheckpointDirectory}, with the partitions read from the
 * block manager where possible, and every outcome recorded in the audit log.
 */
public final class CheckpointWriter {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointWriter.class);
  private static final ClassTag<byte[]> ENCODED_RESULT = ClassTag$.MODULE$.apply(byte[].class);

  /** Local properties Spark Streaming sets on the jobs of a batch. */
  static final String BATCH_TIME_PROPERTY = "spark.streaming.internal.batchTime";
  static final String OUTPUT_OP_PROPERTY = "spark.streaming.internal.outputOpId";
  /**
   * The job property naming the RDD a checkpoint write job writes, so listeners (the
   * Checkpoints tab) link the job to its checkpoint.
   */
  public static final String CHECKPOINT_RDD_PROPERTY = "spark.checkpointplus.checkpointRddId";

  private static final String PLUGIN_VERSION = Optional.ofNullable(
      CheckpointWriter.class.getPackage().getImplementationVersion()).orElse("dev");

  /** Set while this thread runs a checkpoint job: the interceptor leaves that job alone. */
  private static final ThreadLocal<Boolean> WRITING = ThreadLocal.withInitial(() -> false);

  /** At most this many partitions are listed one by one in a {@code checkpoint.completed}. */
  static final int PARTITION_FILES_LISTED = 10_000;

  private final AuditLog audit;
  private final CommitMode commit;
  private final RetentionSweeper retention;
  private final boolean byteCopy;

  /** A writer that copies serialized blocks where they hold the checkpoint's bytes. */
  public CheckpointWriter(AuditLog audit, CommitMode commit, RetentionSweeper retention) {
    this(audit, commit, retention, true);
  }

  /**
   * @param byteCopy whether a partition whose block holds the checkpoint's bytes is written by
   *     copying them ({@link BlockCopy}); false serializes every partition's records
   */
  public CheckpointWriter(AuditLog audit, CommitMode commit, RetentionSweeper retention,
      boolean byteCopy) {
    this.audit = audit;
    this.commit = commit;
    this.retention = retention;
    this.byteCopy = byteCopy;
  }

  /** Whether the job this thread is submitting is one of the plugin's checkpoint jobs. */
  public static boolean isCheckpointJob() {
    return WRITING.get();
  }

  /**
   * Writes {@code rdd} to {@code dir}. What Spark's own write does (the job, the partition count
   * check) fails as Spark's fails: recorded, then rethrown to the action. What the plugin adds
   * afterwards (manifest, clean-up, audit, retention) never fails it.
   */
  public <T> ReliableCheckpointRDD<T> write(RDD<T> rdd, String dir, ClassTag<T> tag) {
    SparkContext sc = rdd.context();
    int lineageDepth = Lineage.depth(rdd);
    audit.record(withJobContext(audit.event(AuditEvent.Type.CHECKPOINT_STARTED), sc, rdd, dir)
        .with("lineageDepthBefore", lineageDepth)
        .build());
    long start = System.nanoTime();
    CheckpointFileManager files;
    PartitionWriteResult[] results;
    ReliableCheckpointRDD<T> checkpoint;
    CheckpointManifest manifest;
    try {
      files = new CheckpointFileManager(new Path(dir), sc.hadoopConfiguration(), commit);
      files.createDirectory();
      recordCleaned(sc, rdd, dir, files.clearLeftovers(),
          "files an earlier failed write or lost task attempts left");
      boolean background = isBackgroundWrite(sc);
      boolean cachedOnly = "true".equals(sc.getLocalProperty(
          io.checkpointplus.spark.policy.BackgroundCheckpoints.CACHED_ONLY_PROPERTY));
      // A background write's failure must not abort stages the running batch shares: its last
      // allowed attempt reports the failure (a cached-only write has one attempt; a retry
      // could only write a recomputed block).
      int reportFailuresFrom = !background ? Integer.MAX_VALUE
          : cachedOnly ? 0 : SparkInternals.maxTaskFailures(sc) - 1;
      results = runWriteJob(sc, rdd, new PartitionWriteTask<T>(dir, sc.broadcast(
          new SerializableConfiguration(sc.hadoopConfiguration()),
          ClassTag$.MODULE$.apply(SerializableConfiguration.class)), files.commitMode(), tag,
          rdd.id(), byteCopy && isSerialized(rdd.getStorageLevel()), cachedOnly,
          reportFailuresFrom));
      Option<Partitioner> partitioner = rdd.partitioner();
      CheckpointManifest.PartitionerFile partitionerFile = partitioner.isDefined()
          ? files.writePartitioner(partitioner.get(), SparkEnv.get().serializer().newInstance(),
              sc.conf()).orElse(null) : null;
      // What is stored must be what the committed attempts reported: a file a failed attempt
      // left would otherwise pass for this job's.
      manifest = manifest(sc, files, results, partitionerFile);
      checkpoint = new ReliableCheckpointRDD<>(sc, dir, partitioner, tag);
      if (checkpoint.partitions().length != rdd.partitions().length) {
        throw new SparkException("Checkpoint RDD " + checkpoint.id() + " of " + dir + " has "
            + checkpoint.partitions().length + " partitions, but RDD " + rdd.id() + " has "
            + rdd.partitions().length);
      }
    } catch (Throwable e) {
      // Everything, an interrupted job's InterruptedException included: a started checkpoint
      // always gets its checkpoint.failed.
      recordFailure(sc, rdd, dir, start, e);
      throw CheckpointWriter.<RuntimeException>rethrow(e);
    }
    // The checkpoint is complete: what follows is the plugin's own, each step on its own, so
    // that one failing never leaves the started checkpoint without its completed event.
    boolean manifestWritten = false;
    try {
      files.writeManifest(manifest);
      manifestWritten = true;
    } catch (IOException | RuntimeException | LinkageError e) {
      LOG.warn("Checkpoint of RDD {} in {} is complete, but its manifest could not be written"
          + " (it is read as a stock checkpoint): {}", rdd.id(), dir, e.toString());
    }
    try {
      recordCleaned(sc, rdd, dir, files.removeAttemptFiles(),
          "attempt files of failed or lost task attempts");
    } catch (IOException | RuntimeException | LinkageError e) {
      LOG.warn("Checkpoint of RDD {} in {} is complete, but removing attempt files failed: {}",
          rdd.id(), dir, e.toString());
    }
    try {
      recordCompleted(sc, rdd, dir, results, lineageDepth,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), manifestWritten);
      retention.afterCheckpoint(dir, sc.hadoopConfiguration());
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("Checkpoint of RDD {} in {} is complete, but recording it failed: {}", rdd.id(),
          dir, e.toString());
    }
    return checkpoint;
  }

  /** Whether blocks of this level are stored as bytes (in memory or on disk). */
  private static boolean isSerialized(StorageLevel level) {
    return level.isValid() && !level.deserialized();
  }

  private static <T> PartitionWriteResult[] runWriteJob(SparkContext sc, RDD<T> rdd,
      PartitionWriteTask<T> task) {
    boolean nested = WRITING.get();
    WRITING.set(true);
    String previous = sc.getLocalProperty(CHECKPOINT_RDD_PROPERTY);
    sc.setLocalProperty(CHECKPOINT_RDD_PROPERTY, String.valueOf(rdd.id()));
    try {
      byte[][] encoded = task.reportsFailures() ? runUntilAFailure(sc, rdd, task)
          : (byte[][]) sc.runJob(rdd, task, ENCODED_RESULT);
      PartitionWriteResult[] results = new PartitionWriteResult[encoded.length];
      for (int i = 0; i < encoded.length; i++) {
        if (PartitionWriteFailure.isFailure(encoded[i])) {
          throw CheckpointWriter.<RuntimeException>rethrow(
              PartitionWriteFailure.fromBytes(encoded[i]).toException(rdd.id()));
        }
        results[i] = PartitionWriteResult.fromBytes(encoded[i]);
      }
      return results;
    } finally {
      sc.setLocalProperty(CHECKPOINT_RDD_PROPERTY, previous);
      WRITING.set(nested);
    }
  }

  /**
   * Runs a write whose tasks report their failure as a result, and cancels it at the first
   * such result, as a failed task would have aborted it: the other partitions are not written
   * for nothing, and the next batch does not wait for them. Cancelling fails only this job's own
   * stage, never one a running batch shares.
   */
  private static <T> byte[][] runUntilAFailure(SparkContext sc, RDD<T> rdd,
      PartitionWriteTask<T> task) {
    int n = rdd.partitions().length;
    byte[][] results = new byte[n][];
    AtomicReference<byte[]> failure = new AtomicReference<>();
    AtomicReference<FutureAction<?>> job = new AtomicReference<>();
    // Every partition, as a Scala List: a Seq on Scala 2.12 and 2.13 alike.
    @SuppressWarnings("unchecked")
    scala.collection.immutable.List<Object> partitions =
        (scala.collection.immutable.List<Object>) (Object) scala.collection.immutable.Nil$.MODULE$;
    for (int p = n - 1; p >= 0; p--) {
      partitions = partitions.$colon$colon(p);
    }
    FutureAction<BoxedUnit> submitted = sc.submitJob(rdd, new OnTaskContext<>(task), partitions,
        new AbstractFunction2<Object, byte[], BoxedUnit>() {
          @Override
          public BoxedUnit apply(Object partition, byte[] result) {
            results[(Integer) partition] = result;
            if (PartitionWriteFailure.isFailure(result) && failure.compareAndSet(null, result)) {
              FutureAction<?> running = job.get();
              if (running != null) {
                running.cancel();
              }
            }
            return BoxedUnit.UNIT;
          }
        },
        new AbstractFunction0<BoxedUnit>() {
          @Override
          public BoxedUnit apply() {
            return BoxedUnit.UNIT;
          }
        });
    job.set(submitted);
    if (failure.get() != null) {
      submitted.cancel(); // failed before the handler could see the job
    }
    try {
      submitted.get();
    } catch (Throwable e) {
      if (failure.get() == null) {
        throw CheckpointWriter.<RuntimeException>rethrow(e);
      }
    }
    byte[] failed = failure.get();
    if (failed != null) {
      throw CheckpointWriter.<RuntimeException>rethrow(
          PartitionWriteFailure.fromBytes(failed).toException(rdd.id()));
    }
    return results;
  }

  /** {@code submitJob} hands a partition's records alone: the task reads its context itself. */
  private static final class OnTaskContext<T> extends AbstractFunction1<Iterator<T>, byte[]>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final PartitionWriteTask<T> task;

    OnTaskContext(PartitionWriteTask<T> task) {
      this.task = task;
    }

    @Override
    public byte[] apply(Iterator<T> records) {
      return task.apply(TaskContext.get(), records);
    }
  }

  private void recordFailure(SparkContext sc, RDD<?> rdd, String dir, long start, Throwable e) {
    try {
      removeAttemptFilesQuietly(sc, dir);
      audit.record(withJobContext(audit.event(AuditEvent.Type.CHECKPOINT_FAILED), sc, rdd, dir)
          .with("durationMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
          .with("cause", String.valueOf(e))
          .with("leftOnDisk", leftOnDisk(sc, dir))
          .build());
    } catch (RuntimeException | LinkageError recordingFailure) {
      LOG.warn("Could not record the failed checkpoint of RDD {}: {}", rdd.id(),
          recordingFailure.toString());
    }
  }

  /**
   * The manifest of what is stored: the part files the store lists with the sizes it reports,
   * the CRC32C and record count of the attempt that was authorised to commit each. A stored
   * file that is not the authorised attempt's (a size that differs) fails the checkpoint.
   */
  private static CheckpointManifest manifest(SparkContext sc, CheckpointFileManager files,
      PartitionWriteResult[] results, CheckpointManifest.PartitionerFile partitioner)
      throws IOException {
    java.util.Map<String, Long> stored = files.storedPartFiles();
    List<CheckpointManifest.Entry> entries = new ArrayList<>();
    for (PartitionWriteResult r : results) {
      Long bytes = stored.get(r.file());
      if (bytes == null || bytes != r.bytes()) {
        throw new IOException("Checkpoint file " + new Path(files.directory(), r.file())
            + ": expected the " + r.bytes() + " bytes its committed task attempt wrote, found "
            + (bytes == null ? "no such file" : bytes + " bytes") + " in storage");
      }
      entries.add(new CheckpointManifest.Entry(r.partition(), r.file(), bytes,
          r.recordsCounted() ? Long.valueOf(r.records()) : null, r.crc32c()));
    }
    entries.sort(Comparator.comparingInt(CheckpointManifest.Entry::partition));
    boolean compressed = CheckpointFileManager.isCompressed(sc.conf());
    return new CheckpointManifest(CheckpointManifest.VERSION, PLUGIN_VERSION,
        SparkEnv.get().serializer().getClass().getName(), compressed,
        compressed ? sc.conf().get("spark.io.compression.codec", "lz4") : null, entries,
        partitioner);
  }

  /**
   * Rethrows {@code t} unchanged, checked or not: Spark's own checkpoint surfaces the job's
   * {@code SparkException} (checked in Java's eyes) to the action, and so does the plugin's.
   */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable t) throws E {
    throw (E) t;
  }

  /** Records files of failed or lost task attempts that the write removed. */
  private void recordCleaned(SparkContext sc, RDD<?> rdd, String dir, List<String> removed,
      String reason) {
    if (!removed.isEmpty()) {
      audit.record(withJobContext(audit.event(AuditEvent.Type.CHECKPOINT_CLEANED), sc, rdd, dir)
          .with("files", removed)
          .with("reason", reason)
          .build());
    }
  }

  /**
   * After a failed write, removes the attempt files of the tasks that failed without cleaning
   * up. Tasks the failed job kills delete their own files as they stop.
   */
  private void removeAttemptFilesQuietly(SparkContext sc, String dir) {
    try {
      new CheckpointFileManager(new Path(dir), sc.hadoopConfiguration(), commit)
          .removeAttemptFiles();
    } catch (IOException | RuntimeException e) {
      LOG.debug("Could not sweep attempt files of {}", dir, e);
    }
  }

  /** The names of the files a failed write left in {@code dir} (empty if none or unreadable). */
  private List<String> leftOnDisk(SparkContext sc, String dir) {
    try {
      return new CheckpointFileManager(new Path(dir), sc.hadoopConfiguration(), commit)
          .fileNames();
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  private void recordCompleted(SparkContext sc, RDD<?> rdd, String dir,
      PartitionWriteResult[] results, int lineageDepth, long durationMs,
      boolean manifestWritten) {
    long bytes = 0;
    long records = 0;
    int fromCache = 0;
    int byteCopied = 0;
    int notCounted = 0;
    List<Map<String, Object>> files = new ArrayList<>();
    for (PartitionWriteResult r : results) {
      bytes += r.bytes();
      if (r.recordsCounted()) {
        records += r.records();
      } else {
        notCounted++;
      }
      fromCache += r.fromCache() ? 1 : 0;
      byteCopied += r.writePath() == WritePath.BYTE_COPY ? 1 : 0;
      if (files.size() < PARTITION_FILES_LISTED) {
        files.add(partitionFile(r));
      }
    }
    files.sort(Comparator.comparingInt(f -> (Integer) f.get("partition")));
    audit.record(withJobContext(audit.event(AuditEvent.Type.CHECKPOINT_COMPLETED), sc, rdd, dir)
        .with("partitions", results.length)
        .with("bytes", bytes)
        // No partition counted (all copied as bytes): no count, never a wrong zero.
        .with("records", notCounted == results.length && results.length > 0 ? null : records)
        .with("partitionsNotCounted", notCounted)
        .with("durationMs", durationMs)
        .with("partitionsFromCache", fromCache)
        .with("partitionsRecomputed", results.length - fromCache)
        .with("partitionsByteCopied", byteCopied)
        .with("lineageDepthBefore", lineageDepth)
        .with("manifest", manifestWritten)
        .with("partitionFiles", files)
        .with("partitionFilesTruncated", results.length > files.size() ? true : null)
        .build());
    LOG.info("Checkpointed RDD {} to {}: {} partitions ({} from cache, {} copied as bytes), {}"
        + " records{}, {} bytes in {} ms", rdd.id(), dir, results.length, fromCache, byteCopied,
        records, notCounted == 0 ? "" : " (" + notCounted + " copied partitions not counted)",
        bytes, durationMs);
  }

  /** One partition's entry of {@code partitionFiles}; {@code records} null if not counted. */
  private static Map<String, Object> partitionFile(PartitionWriteResult r) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("partition", r.partition());
    f.put("file", r.file());
    f.put("bytes", r.bytes());
    f.put("records", r.recordsCounted() ? r.records() : null);
    f.put("crc32c", Long.toHexString(r.crc32c()));
    f.put("source", r.fromCache() ? "cache" : "computed");
    f.put("writePath", r.writePath().wireName());
    f.put("taskAttemptId", r.taskAttemptId());
    return f;
  }

  /** A local property's number, or null when absent or not a number (anyone can set it). */
  private static Long number(String property) {
    try {
      return property == null ? null : Long.valueOf(property);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * A checkpoint written in the background became the RDD's: it is checkpointed, its lineage
   * truncated, {@code afterBatchMs} after its batch's job ended.
   */
  void truncated(RDD<?> rdd, String dir) {
    SparkContext sc = rdd.context();
    Long batchEnded = number(sc.getLocalProperty(
        io.checkpointplus.spark.policy.BackgroundCheckpoints.BATCH_ENDED_PROPERTY));
    audit.record(withJobContext(audit.event(AuditEvent.Type.CHECKPOINT_TRUNCATED), sc, rdd, dir)
        .with("afterBatchMs", batchEnded == null ? null
            : System.currentTimeMillis() - batchEnded)
        .build());
  }

  /** Whether this thread's write runs in the background, off the batch's or action's path. */
  private static boolean isBackgroundWrite(SparkContext sc) {
    return "true".equals(sc.getLocalProperty(
        io.checkpointplus.spark.policy.BackgroundCheckpoints.BACKGROUND_PROPERTY));
  }

  private static AuditEvent.Builder withJobContext(AuditEvent.Builder event, SparkContext sc,
      RDD<?> rdd, String dir) {
    String batchTime = sc.getLocalProperty(BATCH_TIME_PROPERTY);
    String outputOp = sc.getLocalProperty(OUTPUT_OP_PROPERTY);
    boolean background = isBackgroundWrite(sc);
    return event.with("planId", number(sc.getLocalProperty(CheckpointPlan.PLAN_ID_PROPERTY)))
        .with("background", background)
        .with("batchWaitedMs", background ? number(sc.getLocalProperty(
            io.checkpointplus.spark.policy.BackgroundCheckpoints.WAITED_MS_PROPERTY)) : null)
        .with("rddId", rdd.id())
        .with("dir", dir)
        .with("name", rdd.name())
        .with("callSite", rdd.creationSite().shortForm())
        .with("batchTime", batchTime == null ? null : Long.parseLong(batchTime))
        .with("outputOpId", outputOp == null ? null : Integer.parseInt(outputOp));
  }
}
