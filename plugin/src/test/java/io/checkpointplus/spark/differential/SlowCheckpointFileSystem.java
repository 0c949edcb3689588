package io.checkpointplus.spark.differential;

import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * Local files (scheme {@value #SCHEME}) where creating an RDD checkpoint's partition file takes
 * {@value #DELAY_MS} ms more, as on slow storage: a checkpoint of small state is then still
 * being written when the next batches start, which is what the background write must survive.
 */
public final class SlowCheckpointFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "slow";
  static final long DELAY_MS = 150;

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite,
      int bufferSize, short replication, long blockSize, Progressable progress)
      throws IOException {
    delayIfAPartitionFile(f);
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication,
      long blockSize, Progressable progress) throws IOException {
    delayIfAPartitionFile(f);
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream createNonRecursive(Path f, FsPermission permission,
      EnumSet<CreateFlag> flags, int bufferSize, short replication, long blockSize,
      Progressable progress) throws IOException {
    delayIfAPartitionFile(f);
    return super.createNonRecursive(f, permission, flags, bufferSize, replication, blockSize,
        progress);
  }

  private static void delayIfAPartitionFile(Path f) {
    Path parent = f.getParent();
    if (parent != null && parent.getName().startsWith("rdd-")
        && f.getName().matches("\\.?part-.*")) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DELAY_MS));
    }
  }
}
