package io.checkpointplus.spark.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Properties;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The owner marker of a {@code <uuid>} checkpoint directory, {@value #FILE_NAME}: which
 * application writes there and when it last said it was alive. Retention judges a directory
 * by it, not by directory times: object stores report a directory's time as 0, and an
 * application that only reads its checkpoints for hours changes no file. The owner renews the
 * heartbeat from a daemon thread. Stock Spark ignores the file (it is not {@code rdd-*}).
 */
public record OwnerMarker(String appId, String appName, long heartbeatMs) {
  public static final String FILE_NAME = "_checkpoint-plus-owner";

  /** Writes (replaces) the marker in {@code uuidDir}. */
  public void write(FileSystem fs, Path uuidDir) throws IOException {
    String text = "appId=" + appId + "\nappName=" + appName + "\nheartbeat=" + heartbeatMs
        + "\n";
    try (FSDataOutputStream out = fs.create(new Path(uuidDir, FILE_NAME), true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** The marker of {@code uuidDir}; empty if it has none or it cannot be parsed. */
  public static Optional<OwnerMarker> read(FileSystem fs, Path uuidDir) throws IOException {
    Path path = new Path(uuidDir, FILE_NAME);
    if (!fs.exists(path)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try (InputStream in = fs.open(path)) {
      p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    }
    try {
      return Optional.of(new OwnerMarker(p.getProperty("appId", ""),
          p.getProperty("appName", ""), Long.parseLong(p.getProperty("heartbeat", ""))));
    } catch (NumberFormatException e) {
      // unreadable: the file's own time still counts as a sign of life
      return Optional.of(new OwnerMarker(p.getProperty("appId", ""),
          p.getProperty("appName", ""), fs.getFileStatus(path).getModificationTime()));
    }
  }
}
