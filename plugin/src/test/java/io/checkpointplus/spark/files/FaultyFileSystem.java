package io.checkpointplus.spark.files;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code faulty://}, with failures injected from the
 * Hadoop configuration: {@code fs.faulty.failAfterBytes} (a stream throws once that many bytes
 * were written to one file), {@code fs.faulty.failMessage} (its message, e.g. a full disk), and
 * {@code fs.faulty.readOnly} (nothing can be created), {@code fs.faulty.failListing} (listing a
 * directory fails as a permission error would), {@code fs.faulty.failManifestWrites} (creating
 * a checkpoint manifest, or its temporary file, fails). Registered with {@code fs.faulty.impl}.
 * {@link #manifestGate}, when set, holds every reader of a checkpoint manifest until as many
 * readers as the latch counts arrived: it makes concurrent verifications overlap for certain.
 */
public final class FaultyFileSystem extends RawLocalFileSystem {
  private long failAfterBytes = -1;
  private String failMessage = "injected write failure";
  private boolean readOnly;
  private boolean failListing;
  private boolean failManifestWrites;

  /** When set, opening a manifest counts down and waits (at most 20 s) for the others. */
  static volatile java.util.concurrent.CountDownLatch manifestGate;

  @Override
  public void initialize(URI uri, Configuration conf) throws IOException {
    super.initialize(uri, conf);
    failAfterBytes = conf.getLong("fs.faulty.failAfterBytes", -1);
    failMessage = conf.get("fs.faulty.failMessage", failMessage);
    readOnly = conf.getBoolean("fs.faulty.readOnly", false);
    failListing = conf.getBoolean("fs.faulty.failListing", false);
    failManifestWrites = conf.getBoolean("fs.faulty.failManifestWrites", false);
  }

  @Override
  public org.apache.hadoop.fs.FileStatus[] listStatus(Path f) throws IOException {
    if (failListing) {
      throw new AccessControlException("Permission denied: injected listing failure: " + f);
    }
    return super.listStatus(f);
  }

  @Override
  public org.apache.hadoop.fs.FSDataInputStream open(Path f, int bufferSize) throws IOException {
    java.util.concurrent.CountDownLatch gate = manifestGate;
    if (gate != null && f.getName().equals(CheckpointManifest.FILE_NAME)) {
      gate.countDown();
      try {
        gate.await(20, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return super.open(f, bufferSize);
  }

  @Override
  public URI getUri() {
    return URI.create("faulty:///");
  }

  @Override
  public String getScheme() {
    return "faulty";
  }

  private void checkWritable(Path f) throws IOException {
    if (failManifestWrites && f.getName().contains(CheckpointManifest.FILE_NAME)) {
      throw new IOException("injected manifest write failure: " + f);
    }
    if (readOnly) {
      throw new AccessControlException("Permission denied: read-only file system: " + f);
    }
  }

  private FSDataOutputStream inject(FSDataOutputStream out) throws IOException {
    return failAfterBytes < 0 ? out : new FSDataOutputStream(new Failing(out), statistics);
  }

  @Override
  public boolean mkdirs(Path f) throws IOException {
    checkWritable(f);
    return super.mkdirs(f);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    checkWritable(f);
    return super.mkdirs(f, permission);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication,
      long blockSize, Progressable progress) throws IOException {
    checkWritable(f);
    return inject(super.create(f, overwrite, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite,
      int bufferSize, short replication, long blockSize, Progressable progress)
      throws IOException {
    checkWritable(f);
    return inject(super.create(f, permission, overwrite, bufferSize, replication, blockSize,
        progress));
  }

  /** Throws once {@code failAfterBytes} bytes went through. */
  private final class Failing extends OutputStream {
    private final OutputStream out;
    private long written;

    Failing(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      check(1);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      check(len);
      out.write(b, off, len);
    }

    private void check(int len) throws IOException {
      if (written + len > failAfterBytes) {
        throw new IOException(failMessage);
      }
      written += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
