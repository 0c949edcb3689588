package io.checkpointplus.spark.files;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@value #SCHEME} (registered with
 * {@code fs.hanging.impl}), healthy until the test calls {@link #hang}: from then on every call
 * waits until {@link #release} (at most two minutes), as a store whose NameNode became
 * unreachable (each call retried for 15 minutes by default) or an S3 endpoint that stopped
 * answering. {@link #entered} counts down when the first call starts waiting. State is static:
 * one test at a time, {@link #reset} first.
 */
public final class HangingFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "hanging";

  private static volatile boolean hanging;
  static volatile CountDownLatch entered = new CountDownLatch(1);
  private static volatile CountDownLatch released = new CountDownLatch(1);

  static void reset() {
    hanging = false;
    entered = new CountDownLatch(1);
    released = new CountDownLatch(1);
  }

  /** From now on every call waits until {@link #release}. */
  static void hang() {
    hanging = true;
  }

  /** The store answers again; the calls waiting go on. */
  static void release() {
    hanging = false;
    released.countDown();
  }

  private static void gate(Path f) throws IOException {
    if (!hanging) {
      return;
    }
    entered.countDown();
    try {
      if (!released.await(120, TimeUnit.SECONDS)) {
        throw new IOException("the test never released the hanging store: " + f);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while the store hangs: " + f);
    }
  }

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    gate(f);
    return super.getFileStatus(f);
  }

  @Override
  public boolean exists(Path f) throws IOException {
    gate(f); // RawLocalFileSystem answers exists from the local disk, not getFileStatus
    return super.exists(f);
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    gate(f);
    return super.listStatus(f);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    gate(f);
    return super.mkdirs(f, permission);
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    gate(f);
    return super.open(f, bufferSize);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication,
      long blockSize, Progressable progress) throws IOException {
    gate(f);
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite,
      int bufferSize, short replication, long blockSize, Progressable progress)
      throws IOException {
    gate(f);
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    gate(src);
    return super.rename(src, dst);
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    gate(f);
    return super.delete(f, recursive);
  }
}
