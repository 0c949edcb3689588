package io.checkpointplus.spark.files;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@value #SCHEME} (registered with
 * {@code fs.gated.impl}), with gates a test controls: listing a directory named
 * {@value #GATED_ROOT} waits until {@link #release} opens (a sweep that takes as long as the test
 * wants), or throws {@link #nextListingError} once if set; every owner marker written releases
 * one permit of {@link #markersWritten} (the test sees each heartbeat as it happens). State is static: one test at a time, {@link #reset} first.
 */
public final class GatedFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "gated";
  static final String GATED_ROOT = "gated-root";

  /** Counted down when a listing of the gated root starts waiting. */
  static volatile CountDownLatch listingWaits = new CountDownLatch(1);
  /** Opened by the test: the gated listing goes on. */
  static volatile CountDownLatch release = new CountDownLatch(1);
  /** Thrown (once) by the next listing of the gated root, before its gate. */
  static final java.util.concurrent.atomic.AtomicReference<Error> nextListingError =
      new java.util.concurrent.atomic.AtomicReference<>();
  /** One permit per owner marker written. */
  static final Semaphore markersWritten = new Semaphore(0);

  static void reset() {
    listingWaits = new CountDownLatch(1);
    release = new CountDownLatch(1);
    markersWritten.drainPermits();
    nextListingError.set(null);
  }

  static org.apache.hadoop.conf.Configuration conf() {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    conf.set("fs." + SCHEME + ".impl", GatedFileSystem.class.getName());
    conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
    return conf;
  }

  static Path path(java.nio.file.Path local) {
    return new Path(SCHEME + "://" + local.toAbsolutePath());
  }

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  /**
   * A plain status: RawLocalFileSystem's own loads its permissions from a file: URI, which a
   * listing's {@code LocatedFileStatus} asks for.
   */
  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    FileStatus s = super.getFileStatus(f);
    return new FileStatus(s.getLen(), s.isDirectory(), 1, s.getBlockSize(),
        s.getModificationTime(), s.getPath());
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    if (f.getName().equals(GATED_ROOT)) {
      Error error = nextListingError.getAndSet(null);
      if (error != null) {
        throw error;
      }
      listingWaits.countDown();
      try {
        if (!release.await(120, TimeUnit.SECONDS)) {
          throw new IOException("the test never released the gated listing of " + f);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("gated listing interrupted");
      }
    }
    // every status through getFileStatus, as for a file: RawLocalFileSystem's own listing
    // takes only file: URIs
    java.io.File local = pathToFile(f);
    if (!local.isDirectory()) {
      return new FileStatus[] {getFileStatus(f)};
    }
    java.util.List<FileStatus> all = new java.util.ArrayList<>();
    for (String name : java.util.Objects.requireNonNull(local.list(), f.toString())) {
      try {
        all.add(getFileStatus(new Path(f, name)));
      } catch (java.io.FileNotFoundException e) {
        // deleted since the listing
      }
    }
    return all.toArray(new FileStatus[0]);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication,
      long blockSize, Progressable progress) throws IOException {
    return counted(f, super.create(f, overwrite, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite,
      int bufferSize, short replication, long blockSize, Progressable progress)
      throws IOException {
    return counted(f, super.create(f, permission, overwrite, bufferSize, replication,
        blockSize, progress));
  }

  /** {@code out}, releasing a permit of {@link #markersWritten} once an owner marker closed. */
  private static FSDataOutputStream counted(Path f, FSDataOutputStream out) throws IOException {
    if (!f.getName().equals(OwnerMarker.FILE_NAME)) {
      return out;
    }
    return new FSDataOutputStream(out, null) {
      @Override
      public void close() throws IOException {
        super.close();
        markersWritten.release();
      }
    };
  }
}
