package io.checkpointplus.spark;

import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * Local files under a scheme of the test's own ({@code spark.hadoop.fs.<scheme>.impl}), where
 * every way Spark and the plugin create a file first runs {@link #beforeCreate}: the one place a
 * test's file system slows, holds or fails a checkpoint's files.
 */
public abstract class HookedLocalFileSystem extends RawLocalFileSystem {
  /** The URI scheme this file system is configured under. */
  protected abstract String scheme();

  /** Runs before {@code f} is created; may wait, or throw to fail the create. */
  protected abstract void beforeCreate(Path f) throws IOException;

  @Override
  public URI getUri() {
    return URI.create(scheme() + ":///");
  }

  @Override
  public String getScheme() {
    return scheme();
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite,
      int bufferSize, short replication, long blockSize, Progressable progress)
      throws IOException {
    beforeCreate(f);
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication,
      long blockSize, Progressable progress) throws IOException {
    beforeCreate(f);
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream createNonRecursive(Path f, FsPermission permission,
      EnumSet<CreateFlag> flags, int bufferSize, short replication, long blockSize,
      Progressable progress) throws IOException {
    beforeCreate(f);
    return super.createNonRecursive(f, permission, flags, bufferSize, replication, blockSize,
        progress);
  }
}
