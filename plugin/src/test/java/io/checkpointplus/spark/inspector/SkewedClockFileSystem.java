package io.checkpointplus.spark.inspector;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Local files seen through a storage whose clock runs {@link #BEHIND_MS} behind this machine's,
 * as a remote store's clock may (scheme {@value #SCHEME}, registered with
 * {@code fs.skewed.impl}): every time it reports, and every time it is told to set, is in the
 * storage's clock. The files are real; only the clock that stamps them differs.
 */
public final class SkewedClockFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "skewed";
  /** How far the storage's clock is behind the inspector's. */
  static final long BEHIND_MS = 2 * 3_600_000L;

  /** The {@code --conf} settings that make {@code skewed://} paths reach this file system. */
  static String[] conf() {
    return new String[] {"--conf", "fs." + SCHEME + ".impl=" + SkewedClockFileSystem.class
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

  private static FileStatus skewed(FileStatus s) {
    return new FileStatus(s.getLen(), s.isDirectory(), 1, s.getBlockSize(),
        s.getModificationTime() - BEHIND_MS, s.getPath());
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    return skewed(super.getFileStatus(f));
  }

  @Override
  public FileStatus getFileLinkStatus(Path f) throws IOException {
    return skewed(super.getFileLinkStatus(f));
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    // every status through getFileStatus, so each time is shifted exactly once
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
  public void setTimes(Path p, long mtime, long atime) throws IOException {
    if (mtime >= 0) {
      java.nio.file.Files.setLastModifiedTime(pathToFile(p).toPath(),
          java.nio.file.attribute.FileTime.fromMillis(mtime + BEHIND_MS));
    }
  }
}
