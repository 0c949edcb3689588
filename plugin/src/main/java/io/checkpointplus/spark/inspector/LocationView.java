package io.checkpointplus.spark.inspector;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * A file system as it would be without some of its files: what {@code repair} checks before
 * it moves a single file, so that the location it predicts is the location {@code verify}
 * would read afterwards. Read-only use: listing, status and opening see no hidden file.
 */
final class LocationView extends FilterFileSystem {
  /** Hidden files, as {@code toUri().getPath()} of their qualified paths. */
  private final Set<String> hidden;

  /**
   * The file system under a checksummed one (Hadoop's local file system): there every file of a
   * location is listed, the {@code .crc} files it keeps beside each file included, and a
   * rename moves exactly the file named.
   */
  static FileSystem everyFile(FileSystem fs) {
    return fs instanceof org.apache.hadoop.fs.ChecksumFileSystem checksummed
        ? checksummed.getRawFileSystem() : fs;
  }

  /** {@code file}'s path below the location whose path is {@code root} ({@code toUri().getPath()}). */
  static String relative(String root, Path file) {
    return file.toUri().getPath().substring(root.length()).replaceFirst("^/", "");
  }

  /** Every file under {@code dir}, recursively. */
  static java.util.List<LocatedFileStatus> filesUnder(FileSystem fs, Path dir)
      throws IOException {
    java.util.List<LocatedFileStatus> all = new java.util.ArrayList<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
    while (it.hasNext()) {
      all.add(it.next());
    }
    return all;
  }

  LocationView(FileSystem fs, Set<String> hidden) {
    super(fs);
    this.hidden = hidden;
  }

  private boolean isHidden(Path p) {
    return hidden.contains(fs.makeQualified(p).toUri().getPath());
  }

  @Override
  public FileStatus[] listStatus(Path p) throws IOException {
    return Arrays.stream(fs.listStatus(p)).filter(s -> !isHidden(s.getPath()))
        .toArray(FileStatus[]::new);
  }

  @Override
  public FileStatus getFileStatus(Path p) throws IOException {
    if (isHidden(p)) {
      throw new FileNotFoundException(p.toString());
    }
    return fs.getFileStatus(p);
  }

  @Override
  public boolean exists(Path p) throws IOException {
    return !isHidden(p) && fs.exists(p);
  }

  @Override
  public boolean isDirectory(Path p) throws IOException {
    return !isHidden(p) && fs.isDirectory(p);
  }

  @Override
  public boolean isFile(Path p) throws IOException {
    return !isHidden(p) && fs.isFile(p);
  }

  @Override
  public FSDataInputStream open(Path p, int bufferSize) throws IOException {
    if (isHidden(p)) {
      throw new FileNotFoundException(p.toString());
    }
    return fs.open(p, bufferSize);
  }

  @Override
  public FSDataInputStream open(Path p) throws IOException {
    return open(p, fs.getConf().getInt("io.file.buffer.size", 4096));
  }

  @Override
  public RemoteIterator<LocatedFileStatus> listFiles(Path p, boolean recursive)
      throws IOException {
    RemoteIterator<LocatedFileStatus> all = fs.listFiles(p, recursive);
    return new RemoteIterator<>() {
      private LocatedFileStatus next;

      @Override
      public boolean hasNext() throws IOException {
        while (next == null && all.hasNext()) {
          LocatedFileStatus s = all.next();
          if (!isHidden(s.getPath())) {
            next = s;
          }
        }
        return next != null;
      }

      @Override
      public LocatedFileStatus next() throws IOException {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        LocatedFileStatus s = next;
        next = null;
        return s;
      }
    };
  }
}
