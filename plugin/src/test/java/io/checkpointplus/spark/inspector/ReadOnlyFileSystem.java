package io.checkpointplus.spark.inspector;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.util.Progressable;

/**
 * Local files seen with read-only credentials (scheme {@value #SCHEME}): listings and reads
 * work, every write, delete or rename is refused as a store refuses it. Tests run as root, whom
 * file permissions do not stop, so the refusal is made here.
 */
public final class ReadOnlyFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "readonly";

  /** The {@code --conf} settings that make {@code readonly://} paths reach this file system. */
  static String[] conf() {
    return new String[] {"--conf", "fs." + SCHEME + ".impl=" + ReadOnlyFileSystem.class
        .getName(), "--conf", "fs." + SCHEME + ".impl.disable.cache=true"};
  }

  /** {@code local} as a path of this file system. */
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

  private static AccessControlException refused(String what, Path p) {
    return new AccessControlException("Permission denied: " + what + " " + p
        + " (read-only credentials)");
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite,
      int bufferSize, short replication, long blockSize, Progressable progress)
      throws IOException {
    throw refused("create", f);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication,
      long blockSize, Progressable progress) throws IOException {
    throw refused("create", f);
  }

  @Override
  public FSDataOutputStream createNonRecursive(Path f, FsPermission permission,
      java.util.EnumSet<org.apache.hadoop.fs.CreateFlag> flags, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    throw refused("create", f);
  }

  @Override
  public FSDataOutputStream append(Path f, int bufferSize, Progressable progress)
      throws IOException {
    throw refused("append to", f);
  }

  @Override
  public boolean delete(Path p, boolean recursive) throws IOException {
    throw refused("delete", p);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    throw refused("rename", src);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    throw refused("mkdirs", f);
  }
}
