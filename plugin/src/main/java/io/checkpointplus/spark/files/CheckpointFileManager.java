package io.checkpointplus.spark.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.checkpointplus.spark.config.SparkCheckpointSettings;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.executor.CommitDeniedException;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkConf;
import org.apache.spark.io.CompressionCodec$;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.SerializerInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file layer of one {@code rdd-<id>} checkpoint directory, in Spark's own layout:
 * {@code part-%05d} files serialized with {@code spark.serializer} (compressed iff
 * {@code spark.checkpoint.compress}), an optional {@code _partitioner} file, and the plugin's
 * {@link CheckpointManifest}, written last. Stock Spark reads what this class writes and the
 * reverse. Built on Hadoop's {@code FileSystem}, so the same code serves local disk, HDFS and
 * object stores; {@link CommitMode} says how a partition file is committed.
 */
public final class CheckpointFileManager {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointFileManager.class);

  /** Spark's name for the partitioner file ({@code ReliableCheckpointRDD}). */
  public static final String PARTITIONER_FILE = "_partitioner";

  private final Path dir;
  private final FileSystem fs;
  private final CommitMode commit;

  public CheckpointFileManager(Path dir, Configuration hadoopConf, CommitMode commit)
      throws IOException {
    this.dir = dir;
    this.fs = dir.getFileSystem(hadoopConf);
    this.commit = commit.resolve(fs.getUri().getScheme());
  }

  /** Spark's partition file name, {@code part-%05d}. */
  public static String partitionFileName(int partitionIndex) {
    return String.format("part-%05d", partitionIndex);
  }

  /** The names of the files in the directory, sorted; the directory's own name if it is a file. */
  public List<String> fileNames() throws IOException {
    if (!fs.getFileStatus(dir).isDirectory()) {
      return List.of(dir.getName());
    }
    List<String> names = new ArrayList<>();
    for (FileStatus s : fs.listStatus(dir)) {
      names.add(s.getPath().getName());
    }
    names.sort(null);
    return names;
  }

  /** The {@code rdd-<id>} directory. */
  public Path directory() {
    return dir;
  }

  /** The commit mode in force for this directory's file system ({@code auto} resolved). */
  public CommitMode commitMode() {
    return commit;
  }

  /**
   * Removes whatever an earlier, failed write of the same RDD left in the directory (part
   * files, attempt files, partitioner, manifest): a new write starts from an empty directory,
   * so no file of a failed job can be taken for one of this job's. Only one write of an RDD
   * runs at a time (Spark's checkpoint state), so nothing else is writing here.
   *
   * @return the names of the files removed
   */
  public List<String> clearLeftovers() throws IOException {
    List<String> removed = new ArrayList<>();
    if (!fs.exists(dir)) {
      return removed;
    }
    for (FileStatus s : fs.listStatus(dir)) {
      if (fs.delete(s.getPath(), true)) {
        removed.add(s.getPath().getName());
      }
    }
    return removed;
  }

  /** Creates the directory; fails with the path in the message when it cannot. */
  public void createDirectory() throws IOException {
    if (!fs.mkdirs(dir)) {
      throw new IOException("Failed to create checkpoint directory " + dir);
    }
  }

  /**
   * Opens one partition's file for writing. The caller writes, closes the stream, then calls
   * {@link PartitionFile#commit()}; a failed write is dropped with {@link PartitionFile#abort()}.
   */
  public PartitionFile openPartition(int partitionIndex, long taskAttemptId, SparkConf conf)
      throws IOException {
    return open(partitionIndex, taskAttemptId, conf, isCompressed(conf));
  }

  /**
   * Opens one partition's file for bytes that are already what the file must hold: serialized
   * with {@code spark.serializer} and, iff {@code spark.checkpoint.compress}, compressed with
   * Spark's codec (a copied block). The stream writes to the file below the codec, through the
   * same byte count, CRC32C and commit protocol as {@link #openPartition}.
   */
  public PartitionFile openPartitionBelowCodec(int partitionIndex, long taskAttemptId,
      SparkConf conf) throws IOException {
    return open(partitionIndex, taskAttemptId, conf, false);
  }

  private PartitionFile open(int partitionIndex, long taskAttemptId, SparkConf conf,
      boolean compress) throws IOException {
    Path finalPath = new Path(dir, partitionFileName(partitionIndex));
    boolean direct = commit == CommitMode.DIRECT
        && CommitMode.isObjectStore(fs.getUri().getScheme());
    Path writePath = direct ? finalPath
        : new Path(dir, "." + finalPath.getName() + "-attempt-" + taskAttemptId);
    FSDataOutputStream raw = fs.create(writePath, direct, bufferSize(conf));
    if (direct && !raw.hasCapability(StreamCapabilities.ABORTABLE_STREAM)) {
      LOG.warn("The output stream of {} cannot be aborted: a losing attempt's upload is dropped"
          + " unclosed instead", writePath);
    }
    ChecksummedOutputStream counted = new ChecksummedOutputStream(new CloseDeferred(raw));
    OutputStream out = compress
        ? CompressionCodec$.MODULE$.createCodec(conf).compressedOutputStream(counted)
        : counted;
    return new PartitionFile(writePath, finalPath, raw, counted, out);
  }

  /**
   * The part files stored in the directory and their sizes, as the store reports them: what
   * the manifest describes, whatever any attempt claimed to have written.
   */
  public Map<String, Long> storedPartFiles() throws IOException {
    Map<String, Long> stored = new java.util.TreeMap<>();
    for (FileStatus s : fs.listStatus(dir)) {
      if (s.isFile() && s.getPath().getName().startsWith("part-")) {
        stored.put(s.getPath().getName(), s.getLen());
      }
    }
    return stored;
  }

  /**
   * Keeps the serializer's {@code close()} from closing the file's stream: closing an object
   * store's stream publishes the object, which only {@link PartitionFile#commit()} may do.
   */
  private static final class CloseDeferred extends java.io.FilterOutputStream {
    CloseDeferred(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }

  private static int bufferSize(SparkConf conf) {
    return (int) conf.getSizeAsBytes("spark.buffer.size", "65536");
  }

  /**
   * Whether Spark compresses checkpoint files under {@code conf}, with the running Spark's own
   * default (on from Spark 4.1).
   */
  public static boolean isCompressed(SparkConf conf) {
    return SparkCheckpointSettings.compress(conf);
  }

  /**
   * Writes Spark's {@code _partitioner} file, best-effort as Spark does: a partitioner the
   * serializer cannot write (Kryo with {@code registrationRequired}, say) is a warning, the
   * partial file is removed, and the checkpoint is read without a partitioner.
   *
   * @return the file written (its size and CRC32C, for the manifest), empty if none was
   */
  public Optional<CheckpointManifest.PartitionerFile> writePartitioner(Partitioner partitioner,
      SerializerInstance serializer, SparkConf conf) {
    Path path = new Path(dir, PARTITIONER_FILE);
    try {
      ChecksummedOutputStream file = new ChecksummedOutputStream(fs.create(path, false,
          bufferSize(conf)));
      SerializationStream stream = serializer.serializeStream(file);
      try {
        stream.writeObject(partitioner, scala.reflect.ClassTag$.MODULE$.apply(Partitioner.class));
      } finally {
        stream.close();
      }
      return Optional.of(new CheckpointManifest.PartitionerFile(file.count(), file.crc32c()));
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not write partitioner {} of checkpoint {} (it is read without one): {}",
          partitioner, dir, e.toString());
      try {
        fs.delete(path, false);
      } catch (IOException | RuntimeException ignored) {
        // Spark ignores an unreadable _partitioner file too.
      }
      return Optional.empty();
    }
  }

  /** Writes the manifest, the last file of a complete checkpoint. */
  public void writeManifest(CheckpointManifest manifest) throws IOException {
    Path path = new Path(dir, CheckpointManifest.FILE_NAME);
    byte[] json = manifest.toJson().getBytes(StandardCharsets.UTF_8);
    if (commit == CommitMode.DIRECT) {
      // An object appears only once its upload completes: never half a manifest.
      try (FSDataOutputStream out = fs.create(path, true)) {
        out.write(json);
      }
      return;
    }
    // Elsewhere a failed write could leave half a file: write aside, then rename.
    Path temp = new Path(dir, "." + CheckpointManifest.FILE_NAME + ".tmp");
    try {
      try (FSDataOutputStream out = fs.create(temp, true)) {
        out.write(json);
      }
      fs.delete(path, false);
      if (!fs.rename(temp, path)) {
        throw new IOException("Could not rename " + temp + " to " + path);
      }
    } finally {
      if (fs.exists(temp)) {
        fs.delete(temp, false);
      }
    }
  }

  /** The manifest, if the checkpoint has one (stock Spark writes none). */
  public Optional<CheckpointManifest> readManifest() throws IOException {
    Path path = new Path(dir, CheckpointManifest.FILE_NAME);
    if (!fs.exists(path)) {
      return Optional.empty();
    }
    String json;
    try (InputStream in = fs.open(path)) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      return Optional.of(CheckpointManifest.parse(json));
    } catch (IOException | RuntimeException e) {
      // Not proof that the data is damaged: the checkpoint is read as a manifest-less one.
      throw new IOException("Checkpoint manifest " + path + " cannot be read: expected the"
          + " manifest's JSON, found " + json.length() + " characters that do not parse ("
          + e.getMessage() + ")");
    }
  }

  /**
   * Checks the partition files against the manifest; a checkpoint without manifest passes.
   * Only proof of damage is a {@link CheckpointVerificationException}: a listed file missing, a
   * size or CRC32C that differs, a checksum or end-of-file error while reading. Any other
   * {@code IOException} (a listing refused, a timeout) proves nothing about the files and is
   * thrown as is, for the caller to treat as "could not verify".
   *
   * @throws CheckpointVerificationException naming the file, what was expected and found
   */
  public void verify(VerifyMode mode) throws IOException {
    if (mode == VerifyMode.NONE) {
      return;
    }
    Optional<CheckpointManifest> manifest = readManifest();
    if (manifest.isEmpty()) {
      return;
    }
    Map<String, FileStatus> onDisk = new HashMap<>();
    for (FileStatus s : fs.listStatus(dir)) {
      onDisk.put(s.getPath().getName(), s);
    }
    java.util.Set<String> listed = new java.util.HashSet<>();
    manifest.get().partitions().forEach(e -> listed.add(e.file()));
    for (String name : new java.util.TreeSet<>(onDisk.keySet())) {
      // Spark reads every part-* entry as a partition: one more is more records, read silently
      if (name.startsWith("part-") && !listed.contains(name)) {
        throw new CheckpointVerificationException("Checkpoint file " + new Path(dir, name)
            + " is not listed in the manifest, which lists " + listed.size() + " part files:"
            + " Spark would read it as one more partition");
      }
    }
    CheckpointManifest.PartitionerFile partitioner = manifest.get().partitioner();
    FileStatus partitionerStatus = onDisk.get(PARTITIONER_FILE);
    if (partitioner != null && (partitionerStatus == null
        || partitionerStatus.getLen() != partitioner.bytes())) {
      // Spark reads a checkpoint whose partitioner it cannot read without one: the same
      // records, so the job must run as on stock Spark; said here, and damage to `verify`.
      LOG.warn("Checkpoint file {}{}: the manifest records it with {} bytes; Spark reads the"
          + " checkpoint without its partitioner", new Path(dir, PARTITIONER_FILE),
          partitionerStatus == null ? " is missing" : " has " + partitionerStatus.getLen()
          + " bytes", partitioner.bytes());
    }
    for (CheckpointManifest.Entry e : manifest.get().partitions()) {
      Path file = new Path(dir, e.file());
      FileStatus status = onDisk.get(e.file());
      if (status == null) {
        throw new CheckpointVerificationException("Checkpoint file " + file + " is missing: the"
            + " manifest lists it with " + e.bytes() + " bytes"
            + (e.records() == null ? "" : " and " + e.records() + " records"));
      }
      if (status.getLen() != e.bytes()) {
        throw new CheckpointVerificationException("Checkpoint file " + file + " has "
            + status.getLen() + " bytes, the manifest expects " + e.bytes()
            + (status.getLen() < e.bytes() ? " (truncated)" : ""));
      }
      if (mode == VerifyMode.CHECKSUM) {
        long crc;
        try {
          crc = crc32c(file);
        } catch (org.apache.hadoop.fs.ChecksumException | java.io.EOFException
            | java.io.FileNotFoundException ioe) {
          // the store's own checksum, a short read, or the file gone since the listing
          throw new CheckpointVerificationException("Checkpoint file " + file
              + " is corrupted: it cannot be read (" + ioe.getMessage() + ")");
        }
        if (crc != e.crc32c()) {
          throw new CheckpointVerificationException("Checkpoint file " + file
              + " is corrupted: CRC32C " + Long.toHexString(crc) + ", the manifest expects "
              + Long.toHexString(e.crc32c()));
        }
      }
    }
  }

  private long crc32c(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = fs.open(file)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        crc.update(buffer, 0, n);
      }
    }
    return crc.getValue();
  }

  /** Deletes attempt files that failed or lost attempts left behind; returns their names. */
  public List<String> removeAttemptFiles() throws IOException {
    List<String> removed = new ArrayList<>();
    for (FileStatus s : fs.listStatus(dir)) {
      String name = s.getPath().getName();
      if (name.startsWith(".part-") && name.contains("-attempt-") && fs.delete(s.getPath(),
          false)) {
        removed.add(name);
      }
    }
    return removed;
  }

  /**
   * One partition being written: published under its final name by {@link #commit()}, only if
   * Spark's output commit coordinator authorises this task attempt, so that of several attempts
   * (speculative, retried, killed) exactly one ever stores its file, and the first to commit
   * keeps it.
   */
  public final class PartitionFile {
    private final Path writePath;
    private final Path finalPath;
    private final FSDataOutputStream raw;
    private final ChecksummedOutputStream counted;
    private final OutputStream stream;
    private boolean done;

    private PartitionFile(Path writePath, Path finalPath, FSDataOutputStream raw,
        ChecksummedOutputStream counted, OutputStream stream) {
      this.writePath = writePath;
      this.finalPath = finalPath;
      this.raw = raw;
      this.counted = counted;
      this.stream = stream;
    }

    /**
     * Where the records go. The caller closes it when done (a serialization stream does it);
     * that flushes, and the file is published only by {@link #commit()}.
     */
    public OutputStream stream() {
      return stream;
    }

    /** Bytes written to the file so far (after compression). */
    public long bytesWritten() {
      return counted.count();
    }

    /** CRC32C of the bytes written to the file so far. */
    public long crc32c() {
      return counted.crc32c();
    }

    public Path finalPath() {
      return finalPath;
    }

    /**
     * Publishes the written file under its final name if this task attempt is authorised by
     * Spark's {@code OutputCommitCoordinator} (the task's {@code TaskContext} and
     * {@code SparkEnv}; outside a task there is nothing to coordinate with). A denied attempt
     * aborts its file and fails with Spark's {@code CommitDeniedException}, which Spark does not
     * count as a task failure. {@code direct}: closing the stream stores the object. Otherwise
     * the attempt file is renamed to the final name.
     *
     * <p>An authorised attempt replaces a file already under the final name. The coordinator
     * authorises a second attempt of a partition only once the attempt it authorised before
     * failed ({@code OutputCommitCoordinator.taskCompleted} clears its lock): that file is a
     * failed attempt's (an executor lost right after its commit, say), while the task Spark
     * counts, and so the manifest, are this attempt's. Keeping the old file left a manifest
     * whose CRC32C did not match the stored bytes whenever the two attempts wrote different
     * bytes (records in another order after a shuffle): a checkpoint that failed its own
     * verification for good. If a file appears under the final name while this attempt renames
     * (a failed attempt still running), this attempt fails rather than claim a file it did not
     * write; Spark retries it.
     */
    public void commit() throws IOException {
      TaskContext ctx = TaskContext.get();
      if (ctx != null && !SparkEnv.get().outputCommitCoordinator().canCommit(ctx.stageId(),
          ctx.stageAttemptNumber(), ctx.partitionId(), ctx.attemptNumber())) {
        abort();
        String message = "Checkpoint file " + finalPath + ": commit denied to task attempt "
            + ctx.attemptNumber() + " of partition " + ctx.partitionId() + " (stage "
            + ctx.stageId() + "." + ctx.stageAttemptNumber() + "), another attempt commits it";
        LOG.info(message);
        throw CheckpointFileManager.<IOException>sneaky(new CommitDeniedException(message,
            ctx.stageId(), ctx.partitionId(), ctx.attemptNumber()));
      }
      done = true;
      raw.close();
      if (writePath.equals(finalPath)) {
        return;
      }
      if (fs.exists(finalPath)) {
        LOG.info("Checkpoint file {} was left by an earlier attempt that failed; the attempt"
            + " now authorised replaces it", finalPath);
        fs.delete(finalPath, false);
      }
      boolean renamed;
      try {
        renamed = fs.rename(writePath, finalPath);
      } catch (FileAlreadyExistsException e) {
        // S3A and ABFS throw instead of returning false when the destination exists.
        renamed = false;
      }
      if (renamed) {
        return;
      }
      deleteAttemptFile();
      throw new IOException("Could not commit checkpoint file " + writePath + " as " + finalPath
          + ": expected the rename to succeed, found "
          + (fs.exists(finalPath) ? "a file another attempt stored there meanwhile"
              : "no file under the final name (rename failed)"));
    }

    /**
     * Drops this attempt's file; never throws. {@code direct}: the upload is aborted, never
     * completed, so nothing of it is stored; otherwise the attempt file is deleted. The final
     * name is never touched: another attempt owns it.
     */
    public void abort() {
      if (done) {
        return;
      }
      done = true;
      if (writePath.equals(finalPath)) {
        if (raw.hasCapability(StreamCapabilities.ABORTABLE_STREAM)) {
          try {
            raw.abort();
          } catch (RuntimeException e) {
            LOG.warn("Could not abort the upload of checkpoint file {}", writePath, e);
          }
        }
        return;
      }
      try {
        raw.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("Closing the abandoned attempt file {} failed", writePath, e);
      }
      deleteAttemptFile();
    }

    private void deleteAttemptFile() {
      try {
        if (fs.exists(writePath) && !fs.delete(writePath, false)) {
          LOG.warn("Could not delete checkpoint attempt file {}", writePath);
        }
      } catch (IOException e) {
        LOG.warn("Could not delete checkpoint attempt file {}", writePath, e);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E sneaky(Throwable t) throws E {
    throw (E) t;
  }
}
