package io.checkpointplus.spark.structured;

import io.checkpointplus.spark.files.CommitMode;
import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits without rename for query locations on object stores whose output streams store
 * nothing until closed and can be aborted (S3A): the file is written to its final name in one
 * upload, where Spark's default manager writes a temporary object, copies it and deletes it.
 * With {@code overwriteIfPossible = false} (offsets, commits and the other logs, where a second
 * writer means two runs of one query) the upload is conditional where the Hadoop line has S3's
 * conditional PUT ({@code fs.option.create.conditional.overwrite}, Hadoop 3.4.2+): a second run
 * fails with {@code FileAlreadyExistsException}, as Spark expects ({@link #close}), instead of replacing the
 * first run's file. On older Hadoop the existence check is S3A's own at create time, as racy as
 * the rename path's. Every other store keeps Spark's rename path. Follows
 * {@code spark.checkpointplus.files.commit} ({@code auto}: direct on object stores).
 */
final class ObjectStoreWrites {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectStoreWrites.class);
  static final String COMMIT_KEY = "spark.checkpointplus.files.commit";
  static final String CONDITIONAL_OVERWRITE = "fs.option.create.conditional.overwrite";
  /** S3A's create without its existence and parent checks; safe only with the conditional PUT. */
  private static final String S3A_CREATE_PERFORMANCE = "fs.s3a.create.performance";

  private final Configuration conf;
  private final CommitMode mode;

  ObjectStoreWrites(Configuration conf) {
    this.conf = conf;
    CommitMode parsed = CommitMode.AUTO;
    String value = conf.get(COMMIT_KEY, "auto").trim().toUpperCase(Locale.ROOT);
    try {
      parsed = CommitMode.valueOf(value);
    } catch (IllegalArgumentException invalid) {
      // The driver refuses an invalid value at start-up; a task never sees one.
      LOG.debug("Ignoring {}={}", COMMIT_KEY, value);
    }
    this.mode = parsed;
  }

  /**
   * A stream that writes {@code path} directly and publishes it on close, or {@code null} when
   * this store keeps Spark's rename path.
   */
  FSDataOutputStream create(Path path, boolean overwriteIfPossible) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    if (mode.resolve(fs.getScheme()) != CommitMode.DIRECT
        || !fs.hasPathCapability(path, CommonPathCapabilities.ABORTABLE_STREAM)) {
      return null;
    }
    if (!overwriteIfPossible && fs.hasPathCapability(path, CONDITIONAL_OVERWRITE)) {
      return (FSDataOutputStream) fs.createFile(path).overwrite(false).recursive()
          .must(CONDITIONAL_OVERWRITE, true).opt(S3A_CREATE_PERFORMANCE, true).build();
    }
    return fs.createFile(path).overwrite(overwriteIfPossible).recursive().build();
  }

  /**
   * Whether {@link #create} with {@code overwriteIfPossible = false} writes {@code path} only if
   * it is absent, in the one conditional request (and so at no extra cost).
   */
  boolean createsIfAbsent(Path path) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    return mode.resolve(fs.getScheme()) == CommitMode.DIRECT
        && fs.hasPathCapability(path, CommonPathCapabilities.ABORTABLE_STREAM)
        && fs.hasPathCapability(path, CONDITIONAL_OVERWRITE);
  }

  /**
   * Closes, and so publishes, a stream of {@link #create}. A conditional upload that the store
   * refused because another writer created {@code path} first fails as Spark expects a second
   * writer to fail, with Hadoop's {@code FileAlreadyExistsException} (Spark's metadata logs turn
   * it into their "another query is using this location" error): S3A reports the refusal as a
   * {@code RemoteFileChangedException} (HTTP 412), so any failure of a write that must not
   * overwrite, where the path now exists, is read as that.
   */
  void close(FSDataOutputStream out, Path path, boolean overwriteIfPossible) throws IOException {
    try {
      out.close();
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException exists) {
      throw exists;
    } catch (IOException e) {
      if (overwriteIfPossible || !path.getFileSystem(conf).exists(path)) {
        throw e;
      }
      org.apache.hadoop.fs.FileAlreadyExistsException exists =
          new org.apache.hadoop.fs.FileAlreadyExistsException(path
              + " already exists: another writer created it first");
      exists.initCause(e);
      throw exists;
    }
  }

  /** Drops a direct write: nothing of it is stored. */
  static void abort(FSDataOutputStream out) {
    try {
      out.abort();
    } catch (RuntimeException e) {
      LOG.debug("Aborting an upload", e);
    }
  }
}
