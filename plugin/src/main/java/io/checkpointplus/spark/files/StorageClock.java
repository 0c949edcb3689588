package io.checkpointplus.spark.files;

import java.io.IOException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The current time by the clock of the storage that stamps a root's files: the modification
 * time of an empty probe file written in the root, read back and deleted. Ages of heartbeats
 * and files are judged against it, never against this machine's clock, which may be hours off
 * the storage's (or the drivers'). Retention ({@link RetentionRules}) reads it in the driver's
 * sweeps and in the inspector's {@code clean}.
 */
public final class StorageClock {
  /**
   * Allowance for a storage whose servers' clocks differ among themselves (the probe and a
   * heartbeat may be stamped by different ones): Kerberos' default tolerance.
   */
  public static final long SKEW_MARGIN_MS = 5 * 60 * 1000L;
  /** The probe's name prefix: a dot file, which Spark and the inspector's listings ignore. */
  public static final String PROBE_PREFIX = "._checkpoint-plus-clock-probe-";

  private StorageClock() {
  }

  /**
   * Writes, reads back and deletes a probe file in {@code root}; returns its modification
   * time, epoch ms by the storage's clock.
   *
   * @throws IOException if the probe cannot be written or the storage reports no time for it
   */
  public static long now(FileSystem fs, Path root) throws IOException {
    Path probe = new Path(root, PROBE_PREFIX + java.util.UUID.randomUUID());
    try {
      fs.create(probe, false).close();
      FileStatus status = fs.getFileStatus(probe);
      if (status.getModificationTime() <= 0) {
        throw new IOException(fs.getUri() + " reports no modification time for the probe file "
            + probe + ": ages cannot be judged");
      }
      return status.getModificationTime();
    } catch (IOException e) {
      throw new IOException("the storage's clock cannot be read (an empty probe file written,"
          + " read back and deleted in " + root + "): " + e.getMessage(), e);
    } finally {
      try {
        fs.delete(probe, false);
      } catch (IOException e) {
        // best effort: an empty dot file, ignored by Spark and by retention
      }
    }
  }
}
