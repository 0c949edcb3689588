package io.checkpointplus.spark.structured;

import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * What a path is within a Structured Streaming query location, judged by Spark's layout alone:
 * {@code offsets/N}, {@code commits/N}, {@code metadata}, {@code sources/I/N},
 * {@code _spark_metadata/N} (a file sink's log) and the files under {@code state/}. Anything else
 * (Delta's {@code _delta_log}, a connector's files) is {@link Kind#OTHER} and passes through
 * the plugin untouched.
 */
public final class QueryFile {
  /** The kinds of file in a query location. */
  public enum Kind {
    OFFSETS, COMMITS, METADATA, SOURCE_LOG, SINK_LOG, STATE, OTHER;

    /** Files Spark writes on the driver, once per micro-batch at most. */
    boolean isBatchLog() {
      return this == OFFSETS || this == COMMITS;
    }
  }

  /** A metadata log's batch file: {@code N}, or {@code N.compact} in compacting logs. */
  private static final Pattern LOG_FILE = Pattern.compile("[0-9]+(\\.compact)?");
  private static final Pattern NUMBER = Pattern.compile("[0-9]+");

  private final Kind kind;
  private final Path location;
  private final long batchId;

  private QueryFile(Kind kind, Path location, long batchId) {
    this.kind = kind;
    this.location = location;
    this.batchId = batchId;
  }

  /** Classifies {@code path} (qualified or not); never throws. */
  public static QueryFile of(Path path) {
    String name = path.getName();
    Path parent = path.getParent();
    if (name.startsWith(".") || parent == null) {
      return other();
    }
    String parentName = parent.getName();
    if (LOG_FILE.matcher(name).matches()) {
      boolean compact = name.endsWith(".compact");
      long batch = compact ? -1 : parseBatch(name);
      if (!compact && parentName.equals("offsets")) {
        return new QueryFile(Kind.OFFSETS, parent.getParent(), batch);
      }
      if (!compact && parentName.equals("commits")) {
        return new QueryFile(Kind.COMMITS, parent.getParent(), batch);
      }
      if (parentName.equals("_spark_metadata")) {
        return new QueryFile(Kind.SINK_LOG, parent.getParent(), batch);
      }
      Path grand = parent.getParent();
      if (NUMBER.matcher(parentName).matches() && grand != null
          && grand.getName().equals("sources") && grand.getParent() != null) {
        return new QueryFile(Kind.SOURCE_LOG, grand.getParent(), batch);
      }
    }
    if (name.equals("metadata") && !parentName.equals("_metadata")) {
      return new QueryFile(Kind.METADATA, parent, -1);
    }
    for (Path p = parent; p != null && p.getParent() != null; p = p.getParent()) {
      // state/<operator>/... : the operator directory's name is a number.
      if (NUMBER.matcher(p.getName()).matches() && p.getParent().getName().equals("state")
          && stateFileName(name)) {
        return new QueryFile(Kind.STATE, p.getParent().getParent(), -1);
      }
    }
    return other();
  }

  private static boolean stateFileName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".delta") || n.endsWith(".snapshot") || n.endsWith(".zip")
        || n.endsWith(".changelog") || name.equals("metadata") || name.equals("schema")
        || NUMBER.matcher(name).matches();
  }

  private static long parseBatch(String name) {
    try {
      return Long.parseLong(name);
    } catch (NumberFormatException tooLong) {
      return -1;
    }
  }

  private static QueryFile other() {
    return new QueryFile(Kind.OTHER, null, -1);
  }

  public Kind kind() {
    return kind;
  }

  /** Whether the plugin records and verifies this file's integrity. */
  public boolean isProtected() {
    return kind != Kind.OTHER;
  }

  /** The query's checkpoint location (for a sink log, the sink's output directory). */
  public Path location() {
    return location;
  }

  /** The batch an offsets, commits or log file belongs to; -1 when it has none. */
  public long batchId() {
    return batchId;
  }

  @Override
  public String toString() {
    return kind + (batchId >= 0 ? " " + batchId : "") + " in " + location;
  }
}
