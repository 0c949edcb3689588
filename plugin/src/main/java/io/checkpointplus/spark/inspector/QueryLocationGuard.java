package io.checkpointplus.spark.inspector;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;

/**
 * What {@code repair} and {@code copy} check of a query location before they act: that it is
 * one, and that no query is writing to it. Spark keeps no lock on a location, so a running
 * query shows only by its writes: a location with a file written within {@code --idle} (10 min
 * by default, at least 1 min) is left alone.
 */
final class QueryLocationGuard {
  static final long DEFAULT_IDLE_MS = 10 * 60_000L;
  private static final long MIN_IDLE_MS = 60_000L;

  private QueryLocationGuard() {
  }

  /** Why {@code given} is not a Structured Streaming query location, or null when it is one. */
  static String notALocation(FileSystem fs, Path given) throws IOException {
    if (StructuredStreamingLocation.isOne(fs, given)) {
      return null;
    }
    String what = !fs.exists(given) ? "does not exist"
        : fs.isDirectory(given) ? "is a directory without offsets/ or commits/ (an RDD"
            + " checkpoint root is listed, verified and cleaned, not repaired or copied)"
        : "is a file";
    return given + " is not a Structured Streaming checkpoint location: it " + what;
  }

  /** {@code --idle}, or its default. */
  static long idleMs(Arguments args) throws Arguments.UsageException {
    return args.options.containsKey("idle") ? CleanCommand.parseDuration("idle",
        args.options.get("idle"), MIN_IDLE_MS, "1min", "a running query's next batch may not"
            + " have written yet") : DEFAULT_IDLE_MS;
  }

  /**
   * Why {@code command} leaves the location alone: its newest file (outside what repairs set
   * aside) was written within {@code idleMs}. Null when nothing was.
   */
  static String recentWrite(List<LocatedFileStatus> files, Path location, long idleMs,
      String command) {
    String root = location.toUri().getPath();
    long now = System.currentTimeMillis();
    LocatedFileStatus newest = files.stream()
        .filter(f -> !RepairCommand.isSetAside(root, f.getPath()))
        .max(Comparator.comparingLong(LocatedFileStatus::getModificationTime)).orElse(null);
    if (newest == null || now - newest.getModificationTime() >= idleMs) {
      return null;
    }
    return "refused: " + LocationView.relative(root, newest.getPath()) + " was written " + Table.age(now
        - newest.getModificationTime()) + " ago, within --idle " + Table.age(idleMs) + ": a"
        + " query may be running on this location. Stop it (" + command + " never touches a"
        + " running query), or wait until nothing has been written for that long";
  }

  /**
   * Why an action planned on the listing {@code before} must not go on: a file of the location
   * was added, removed or rewritten since (a query started while it planned). Null when none.
   */
  static String changedSince(List<LocatedFileStatus> before, List<LocatedFileStatus> now,
      Path location) {
    String root = location.toUri().getPath();
    java.util.Map<String, String> then = new java.util.HashMap<>();
    before.forEach(f -> then.put(f.getPath().toUri().getPath(), f.getLen() + "@"
        + f.getModificationTime()));
    for (LocatedFileStatus f : now) {
      String was = then.remove(f.getPath().toUri().getPath());
      if (!(f.getLen() + "@" + f.getModificationTime()).equals(was)) {
        return "refused: " + LocationView.relative(root, f.getPath()) + (was == null
            ? " appeared" : " changed") + " while the location was being checked: a query may"
            + " be running on it. Nothing was moved";
      }
    }
    return then.isEmpty() ? null : "refused: " + LocationView.relative(root,
        new Path(then.keySet().iterator().next())) + " disappeared while the location was being"
        + " checked: a query may be running on it. Nothing was moved";
  }
}
