package io.checkpointplus.spark.inspector;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;

/**
 * The Spark Streaming metadata checkpoint files of a checkpoint root, in the order a restart
 * tries them ({@code CheckpointReader}: newest time first, at one time the file before its
 * {@code .bk}).
 */
final class MetadataFiles {
  private MetadataFiles() {
  }

  /** The metadata files directly in {@code root}, newest (the one a restart tries first) first. */
  static List<FileStatus> inRestartOrder(FileSystem fs, Path root) throws IOException {
    List<FileStatus> files = new ArrayList<>();
    for (FileStatus s : fs.listStatus(root)) {
      if (s.isFile() && MetadataFile.NAME.matcher(s.getPath().getName()).matches()) {
        files.add(s);
      }
    }
    files.sort(Comparator.comparingLong((FileStatus s) -> time(s.getPath()))
        .thenComparing(s -> !isBackup(s.getPath())).reversed());
    return files;
  }

  static long time(Path p) {
    Matcher m = MetadataFile.NAME.matcher(p.getName());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  static boolean isBackup(Path p) {
    Matcher m = MetadataFile.NAME.matcher(p.getName());
    return m.matches() && !m.group(2).isEmpty();
  }

  /**
   * {@code path} itself when it is a file; else the metadata file a restart from the root
   * {@code path} would use: the newest that reads completely.
   *
   * @throws IOException when there is none, naming each file tried and why it failed
   */
  static MetadataFile resolve(Path path, Configuration hadoopConf, SparkConf conf)
      throws IOException {
    FileSystem fs = path.getFileSystem(hadoopConf);
    FileStatus status = fs.getFileStatus(path);
    if (status.isFile()) {
      return MetadataFile.read(path, hadoopConf, conf);
    }
    List<String> failures = new ArrayList<>();
    for (FileStatus s : inRestartOrder(fs, path)) {
      try {
        return MetadataFile.read(s.getPath(), hadoopConf, conf);
      } catch (IOException e) {
        failures.add(e.getMessage());
      }
    }
    throw new IOException(failures.isEmpty()
        ? "No streaming metadata checkpoint (checkpoint-<time>) in " + path
        : "No readable streaming metadata checkpoint in " + path + ": "
            + String.join("; ", failures));
  }
}
