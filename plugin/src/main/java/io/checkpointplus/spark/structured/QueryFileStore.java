package io.checkpointplus.spark.structured;

import io.checkpointplus.spark.files.ChecksummedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Integrity for the files of query locations, under whatever {@code CheckpointFileManager} Spark
 * would have used: each protected file gets its {@link IntegrityRecord} once Spark's commit of
 * it succeeded, and is checked against that record when Spark opens it. Files without a record
 * (written by stock Spark, or before the plugin) are read as stock Spark reads them.
 *
 * <p>What the plugin adds never fails a query that stock Spark would run: a record that cannot
 * be written is one WARN per location and an audit event, and the file stays as Spark wrote it.
 * Damage does fail it, with a {@link QueryFileIntegrityException} naming the file.
 */
public final class QueryFileStore {
  private static final Logger LOG = LoggerFactory.getLogger(QueryFileStore.class);

  /**
   * Files up to this size are read whole and checked at open, so no reader sees a byte of a
   * damaged file; larger ones (state files) are checked as they are read, at their end or close.
   */
  static final int CHECK_AT_OPEN_BYTES = 1 << 20;

  private final SparkFileManagerCalls spark;
  private final boolean stateCoveredBySpark;
  private final ObjectStoreWrites objectStore;
  private final org.apache.hadoop.conf.Configuration conf;

  /**
   * @param stateCoveredBySpark Spark checksums state data files itself
   *     ({@link #sparkChecksumsStateFiles}), so the plugin leaves them alone rather than checksum
   *     them twice
   */
  public QueryFileStore(SparkFileManagerCalls spark, boolean stateCoveredBySpark,
      org.apache.hadoop.conf.Configuration conf) {
    this.spark = spark;
    this.stateCoveredBySpark = stateCoveredBySpark;
    this.objectStore = new ObjectStoreWrites(conf);
    this.conf = conf;
  }

  /**
   * For a file of a query location on an object store: a stream that writes its final name and
   * publishes it on close ({@link ObjectStoreWrites}); {@code null} where Spark's own
   * {@code createAtomic} is used.
   */
  public FSDataOutputStream createDirect(Path path, boolean overwriteIfPossible)
      throws IOException {
    return inQueryLocation(path) ? objectStore.create(path, overwriteIfPossible) : null;
  }

  /**
   * Files of query locations, whether or not the plugin records them: Spark 4.1's own
   * {@code <file>.crc} checksums of state files and the state files they cover are committed
   * the same way.
   */
  private static boolean inQueryLocation(Path path) {
    String name = path.getName();
    if (name.endsWith(".crc") && !name.startsWith(".")) {
      return QueryFile.of(new Path(path.getParent(), name.substring(0, name.length() - 4)))
          .isProtected();
    }
    return QueryFile.of(path).isProtected();
  }

  /** Drops a stream from {@link #createDirect}: nothing of it is stored. */
  public static void cancelDirect(FSDataOutputStream out) {
    ObjectStoreWrites.abort(out);
  }

  private boolean covers(QueryFile file, Path path) {
    return file.isProtected() && !(stateCoveredBySpark && file.kind() == QueryFile.Kind.STATE
        && SPARK_CHECKSUMMED_STATE.matcher(path.getName()).matches());
  }

  /**
   * The state store files Spark 4.1+ checksums itself (HDFS-backed provider and RocksDB's file
   * manager); operator metadata and state schema files it leaves out.
   */
  private static final java.util.regex.Pattern SPARK_CHECKSUMMED_STATE =
      java.util.regex.Pattern.compile(".*\\.(delta|snapshot|zip|changelog)");

  /**
   * Whether the running Spark checksums state store files itself: Spark 4.1 with
   * {@code spark.sql.streaming.checkpoint.fileChecksum.enabled} (on by default); from 4.2 only
   * when also {@code spark.sql.streaming.stateStore.checkpointFormatVersion} is 2 or more (1 by
   * default). {@code conf} carries only what was set, so each line's defaults are assumed here.
   */
  public static boolean sparkChecksumsStateFiles(org.apache.hadoop.conf.Configuration conf,
      String sparkVersion) {
    String[] v = sparkVersion.split("[.-]");
    int major = Integer.parseInt(v[0]);
    int minor = v.length > 1 ? Integer.parseInt(v[1]) : 0;
    if (major < 4 || (major == 4 && minor < 1)
        || !conf.getBoolean("spark.sql.streaming.checkpoint.fileChecksum.enabled", true)) {
      return false;
    }
    return (major == 4 && minor == 1)
        || conf.getInt("spark.sql.streaming.stateStore.checkpointFormatVersion", 1) >= 2;
  }

  /** A write in progress through Spark's {@code createAtomic}. */
  public final class Write {
    private final Path path;
    private final QueryFile file;
    private final long startNanos = System.nanoTime();
    private ChecksummedOutputStream counted;

    private Write(Path path, QueryFile file) {
      this.path = path;
      this.file = file;
    }

    /** The stream to hand Spark: counts and checksums what reaches Spark's stream. */
    public OutputStream wrap(OutputStream sparkStream) {
      counted = new ChecksummedOutputStream(sparkStream);
      return counted;
    }

    /** After Spark's stream closed without error, i.e. the file is published. */
    public void committed() {
      IntegrityRecord record = new IntegrityRecord(path.getName(), counted.count(),
          counted.crc32c());
      try {
        writeRecord(path, record);
      } catch (IOException | RuntimeException e) {
        QueryLocationAudit.unprotected(file, path, e);
        return;
      }
      QueryLocationAudit.committed(file, path, record, System.nanoTime() - startNanos, spark);
    }
  }

  /** Starts a write; {@code null} when {@code path} is not a file the plugin protects. */
  public Write beginWrite(Path path) {
    QueryFile file = QueryFile.of(path);
    return covers(file, path) ? new Write(path, file) : null;
  }

  /**
   * Publishes {@code record}. Where another writer's record of the same file is already there
   * (the file was published more than once: two attempts of one state task, or a batch re-run),
   * every writer's entry is kept, this writer's first ({@link IntegrityRecord#after}), so the
   * file that stayed matches its own writer's entry whichever record reached the store last; the
   * record is rewritten even when it holds this writer's entry already, so that it is never
   * older than the file it describes ({@link #mismatch}). The first record is created only if
   * absent on local disk and on object stores with conditional PUT; elsewhere the record is
   * read just before it is written, so two first writers that both read before either writes
   * can still leave one record for the other's file. Writers that merge at once are caught by
   * reading the record back: each merges again until its entry is there.
   */
  private void writeRecord(Path path, IntegrityRecord record) throws IOException {
    Path recordPath = IntegrityRecord.pathFor(path);
    org.apache.hadoop.fs.FileSystem fs = recordPath.getFileSystem(conf);
    java.nio.file.Path local = fs instanceof org.apache.hadoop.fs.LocalFileSystem l
        ? l.pathToFile(recordPath).toPath() : null;
    IntegrityRecord existing;
    if (local != null || objectStore.createsIfAbsent(recordPath)) {
      if (publishRecord(recordPath, local, record, false)) {
        return;
      }
      existing = existingRecord(recordPath);
    } else {
      existing = existingRecord(recordPath);
      if (existing == null) {
        publishRecord(recordPath, local, record, true);
        return;
      }
    }
    for (int merges = 0; merges < MAX_MERGES; merges++) {
      publishRecord(recordPath, local, existing == null ? record : record.after(existing), true);
      existing = existingRecord(recordPath);
      if (existing == null || existing.includes(record)) {
        return;
      }
    }
  }

  /** Times a writer merges its entry into a record that other writers keep replacing. */
  private static final int MAX_MERGES = 3;

  /**
   * The record at {@code recordPath}, or {@code null} when there is none, it does not parse, or
   * it is another file's.
   */
  private IntegrityRecord existingRecord(Path recordPath) throws IOException {
    byte[] content;
    try (InputStream in = spark.open(recordPath)) {
      content = readUpTo(in, 64 * 1024);
    } catch (FileNotFoundException none) {
      return null;
    }
    IntegrityRecord record = IntegrityRecord.parse(content);
    String name = recordPath.getName();
    return record != null && name.equals("." + record.file() + IntegrityRecord.SUFFIX) ? record
        : null;
  }

  /**
   * Writes a record; with {@code overwrite} false, only if none is there. Returns whether it
   * was written.
   */
  private boolean publishRecord(Path recordPath, java.nio.file.Path local, IntegrityRecord record,
      boolean overwrite) throws IOException {
    if (local != null) {
      return writeLocalRecord(local, record.toBytes(), overwrite);
    }
    FSDataOutputStream direct = objectStore.create(recordPath, overwrite);
    FSDataOutputStream out = direct != null ? direct : spark.createAtomic(recordPath, overwrite);
    boolean done = false;
    try {
      out.write(record.toBytes());
      done = true;
    } finally {
      if (!done && direct != null) {
        cancelDirect(direct);
      } else if (!done) {
        spark.cancel(out);
      }
    }
    try {
      if (direct != null) {
        objectStore.close(direct, recordPath, overwrite);
      } else {
        out.close();
      }
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException another) {
      if (overwrite) {
        throw another;
      }
      return false;
    }
    return true;
  }

  /** Closes a stream of {@link #createDirect}, as {@link ObjectStoreWrites#close} does. */
  public void closeDirect(FSDataOutputStream out, Path path, boolean overwriteIfPossible)
      throws IOException {
    objectStore.close(out, path, overwriteIfPossible);
  }

  /**
   * A record on the local file system, written to a temporary name and moved (or, when it must
   * not replace one, linked) into place with Java's own file calls: Hadoop's local file system
   * sets each new file's permissions, and its {@code .crc} file's, by running {@code chmod} in a
   * new process where Hadoop's native library is absent (as with Spark's own jars), which would
   * double what each state file costs a batch. The record needs no {@code .crc}: a record that
   * does not parse is read as no record.
   */
  private static boolean writeLocalRecord(java.nio.file.Path target, byte[] content,
      boolean overwrite) throws IOException {
    java.nio.file.Path temp = target.resolveSibling(target.getFileName() + "."
        + java.util.UUID.randomUUID() + ".tmp");
    try {
      java.nio.file.Files.write(temp, content);
      if (!overwrite) {
        try {
          java.nio.file.Files.createLink(target, temp);
          return true;
        } catch (java.nio.file.FileAlreadyExistsException another) {
          return false;
        } catch (IOException | UnsupportedOperationException noHardLinks) {
          // A file system without hard links (some FUSE and SMB mounts): read, then write.
          if (java.nio.file.Files.exists(target)) {
            return false;
          }
        }
      }
      java.nio.file.Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return true;
    } finally {
      java.nio.file.Files.deleteIfExists(temp);
    }
  }

  /**
   * Spark's {@code open}, checked against the file's record when it has one. Small files are
   * read and checked here; larger ones as they are read.
   */
  public FSDataInputStream open(Path path) throws IOException {
    QueryFile file = QueryFile.of(path);
    if (file.kind() == QueryFile.Kind.COMMITS) {
      RocksDbRestartCheck.beforeResume(file, this, conf);
    }
    if (!covers(file, path)) {
      return spark.open(path);
    }
    IntegrityRecord record = readRecord(file, path);
    FSDataInputStream in = spark.open(path);
    if (record == null) {
      return in;
    }
    if (record.largestBytes() > CHECK_AT_OPEN_BYTES) {
      return new FSDataInputStream(new VerifyingInputStream(in, path, record, file, this));
    }
    byte[] content;
    try (InputStream s = in) {
      content = readUpTo(s, CHECK_AT_OPEN_BYTES + 1L);
    }
    check(file, path, record, content);
    if (content.length > CHECK_AT_OPEN_BYTES) {
      // Larger than any writer recorded, and let through (a state file rewritten after its
      // record): Spark reads it whole, as without the plugin.
      return spark.open(path);
    }
    return new FSDataInputStream(new ByteArraySeekableStream(content));
  }

  /**
   * A file Spark reads with {@code FileSystem} calls rather than through the manager (RocksDB's
   * snapshot zips), read whole, up to {@code limit} bytes, the same way, and checked against its
   * record when it has one.
   */
  byte[] readChecked(org.apache.hadoop.fs.FileSystem fs, Path path, long limit)
      throws IOException {
    QueryFile file = QueryFile.of(path);
    IntegrityRecord record = covers(file, path) ? readRecord(file, path) : null;
    byte[] content;
    try (InputStream in = fs.open(path)) {
      content = readUpTo(in, limit);
    }
    if (record != null) {
      check(file, path, record, content);
    }
    return content;
  }

  private void check(QueryFile file, Path path, IntegrityRecord record, byte[] content)
      throws IOException {
    CRC32C crc = new CRC32C();
    crc.update(content, 0, content.length);
    String difference = record.difference(content.length, crc.getValue());
    if (difference == null) {
      QueryLocationAudit.verified(file, path);
      return;
    }
    IOException damage = mismatch(file, path, difference);
    if (damage != null) {
      throw damage;
    }
  }

  /**
   * A file that differs from its record: damage, or, for a state file that Spark rewrote after
   * its record was written (Spark rewrites state files in place when it re-runs a batch; a run
   * without the plugin, or a record write that failed, leaves the old record), a file the
   * record no longer describes, read as stock Spark reads it. Offsets, commits and the other
   * logs are never rewritten by Spark, so a difference there is always damage. Returns the
   * exception to throw, or {@code null} to go on.
   */
  IOException mismatch(QueryFile file, Path path, String difference) {
    if (file.kind() == QueryFile.Kind.STATE) {
      try {
        org.apache.hadoop.fs.FileSystem fs = path.getFileSystem(conf);
        long written = fs.getFileStatus(path).getModificationTime();
        long recorded = fs.getFileStatus(IntegrityRecord.pathFor(path)).getModificationTime();
        if (QueryFileCheck.rewrittenAfterRecord(file, written, recorded)) {
          QueryLocationAudit.unverified(file, path, "rewritten after its integrity record ("
              + difference + "): a re-run batch without the plugin, or a record write that"
              + " failed");
          return null;
        }
      } catch (IOException | RuntimeException e) {
        LOG.debug("Could not compare the times of {} and its record", path, e);
      }
    }
    return QueryLocationAudit.damaged(file, path, difference);
  }

  /**
   * The file's record; {@code null} when it has none, or when the record cannot be read or
   * understood (a failing store, a record cut short by a crash, a newer plugin's format): the
   * file is then read as stock Spark reads it, with a WARN and an audit event, since only a
   * well-formed record that disagrees with the file proves damage.
   */
  private IntegrityRecord readRecord(QueryFile file, Path path) {
    Path recordPath = IntegrityRecord.pathFor(path);
    byte[] content;
    try (InputStream in = spark.open(recordPath)) {
      content = readUpTo(in, 64 * 1024);
    } catch (FileNotFoundException noRecord) {
      return null;
    } catch (IOException | RuntimeException e) {
      QueryLocationAudit.unverified(file, path, "its integrity record " + recordPath.getName()
          + " could not be read: " + e);
      return null;
    }
    IntegrityRecord record = IntegrityRecord.parse(content);
    if (record == null || !record.file().equals(path.getName())) {
      QueryLocationAudit.unverified(file, path, "its integrity record " + recordPath.getName()
          + " is not one this plugin writes for it (cut short, another version, or another"
          + " file's)");
      return null;
    }
    return record;
  }

  /** Spark's {@code delete}; the file's record goes with it. */
  public void deleted(Path path) {
    QueryFile file = QueryFile.of(path);
    if (!file.isProtected()) {
      return;
    }
    QueryLocationAudit.purged(file, path);
    try {
      spark.delete(IntegrityRecord.pathFor(path));
    } catch (IOException | RuntimeException e) {
      LOG.debug("Could not delete the integrity record of {}", path, e);
    }
  }

  static byte[] readUpTo(InputStream in, long limit) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while (out.size() < limit && (n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }
}
