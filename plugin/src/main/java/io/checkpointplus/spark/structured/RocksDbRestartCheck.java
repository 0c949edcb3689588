package io.checkpointplus.spark.structured;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a run of a query resumes from its location, checks the RocksDB snapshots its next batch
 * loads, which Spark reads with {@code FileSystem} calls that no {@code CheckpointFileManager}
 * sees: each snapshot zip against its integrity record, and every SST and log file its metadata
 * names, present with the size it names. Damage fails the resume naming the file and the state
 * that cannot be loaded, before a batch runs; stock Spark fails the same batch later, on an
 * executor, with a size mismatch or a missing file.
 *
 * <p>Batch {@code b} loads state version {@code b}, so after the last committed batch {@code c}
 * the next batch (a new one, or {@code c + 1} re-run) loads version {@code c + 1}: from
 * {@code <c + 1>.zip}, or with changelog checkpointing from the latest snapshot zip before it
 * plus changelogs (which Spark opens through the manager, so {@link QueryFileStore} checks them).
 * Later zips, of a batch that did not commit, are never loaded and are not checked. Locations in
 * Spark 4's checkpoint format version 2 ({@code <version>_<id>.zip}, chosen by the ids in the
 * commit log) are left to Spark.
 *
 * <p>The check runs once per location and run, on the query's own thread (the driver's first
 * read of the commit log); a location it cannot list or read is read as stock Spark reads it.
 */
final class RocksDbRestartCheck {
  private static final Logger LOG = LoggerFactory.getLogger(RocksDbRestartCheck.class);
  private static final Pattern NUMBER = Pattern.compile("[0-9]+");
  private static final Pattern SNAPSHOT = Pattern.compile("([0-9]+)\\.zip");
  /** A snapshot zip larger than this is not a RocksDB metadata zip worth reading at restart. */
  private static final long ZIP_LIMIT = 64L << 20;
  private static final int RUNS = 1000;

  /** {@code location|runId} of the runs already checked (bounded, oldest dropped). */
  private static final Set<String> CHECKED = Collections.newSetFromMap(
      new LinkedHashMap<String, Boolean>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > RUNS;
        }
      });

  private RocksDbRestartCheck() {}

  /**
   * Called as a commits file of {@code commitsFile}'s location is opened; checks the location
   * the first time its query's thread does so in a run.
   *
   * @throws QueryFileIntegrityException when a snapshot the next batch loads is damaged
   */
  static void beforeResume(QueryFile commitsFile, QueryFileStore store, Configuration conf)
      throws QueryFileIntegrityException {
    String run = QueryLocationAudit.runId();
    if (run == null) {
      return; // not a query's thread: the inspector, a test, a batch read of the location
    }
    synchronized (CHECKED) {
      if (!CHECKED.add(commitsFile.location() + "|" + run)) {
        return;
      }
    }
    try {
      check(commitsFile.location(), store, conf);
    } catch (QueryFileIntegrityException damage) {
      throw damage;
    } catch (IOException | RuntimeException e) {
      LOG.debug("RocksDB snapshots of {} not checked before resuming", commitsFile.location(), e);
    }
  }

  /** Checks what the next batch of the query at {@code location} loads. */
  static void check(Path location, QueryFileStore store, Configuration conf) throws IOException {
    FileSystem fs = location.getFileSystem(conf);
    long committed = latestBatch(fs, new Path(location, "commits"));
    Path state = new Path(location, "state");
    if (committed < 0 || !fs.exists(state)) {
      return;
    }
    long version = committed + 1;
    for (FileStatus operator : numberedDirectories(fs, state)) {
      partitions:
      for (FileStatus partition : numberedDirectories(fs, operator.getPath())) {
        List<Path> stores = new ArrayList<>();
        stores.add(partition.getPath());
        for (FileStatus s : fs.listStatus(partition.getPath())) {
          // A stream-stream join keeps four stores per partition, one directory each.
          String name = s.getPath().getName();
          if (s.isDirectory() && !name.equals("SSTs") && !name.equals("logs")
              && !name.startsWith("_") && !name.startsWith(".")) {
            stores.add(s.getPath());
          }
        }
        for (Path storeDirectory : stores) {
          if (!checkStore(fs, storeDirectory, version, store, operator.getPath().getName(),
              partition.getPath().getName())) {
            break partitions; // not RocksDB's: the operator's other partitions are alike
          }
        }
      }
    }
  }

  /**
   * Checks one state store directory; returns false when it is not RocksDB's (the HDFS-backed
   * provider's {@code .delta} and {@code .snapshot} files, opened through the manager).
   */
  private static boolean checkStore(FileSystem fs, Path storeDirectory, long version,
      QueryFileStore store, String operator, String partition) throws IOException {
    long snapshot = -1;
    for (FileStatus f : fs.listStatus(storeDirectory)) {
      String name = f.getPath().getName();
      if (name.endsWith(".delta") || name.endsWith(".snapshot")) {
        return false;
      }
      if (name.endsWith(".zip") && name.contains("_")) {
        return true; // checkpoint format version 2: the commit log chooses the zip
      }
      java.util.regex.Matcher m = SNAPSHOT.matcher(name);
      if (m.matches() && f.isFile() && f.getLen() <= ZIP_LIMIT) {
        long v = Long.parseLong(m.group(1));
        if (v <= version && v > snapshot) {
          snapshot = v;
        }
      }
    }
    if (snapshot < 0) {
      return true;
    }
    Path zip = new Path(storeDirectory, snapshot + ".zip");
    List<RocksDbSnapshot.ImmutableFile> named =
        RocksDbSnapshot.filesNamedBy(store.readChecked(fs, zip, ZIP_LIMIT));
    Map<String, Long> sizes = new HashMap<>();
    for (String dir : new String[] {"SSTs", "logs"}) {
      try {
        for (FileStatus f : fs.listStatus(new Path(storeDirectory, dir))) {
          sizes.put(dir + "/" + f.getPath().getName(), f.getLen());
        }
      } catch (FileNotFoundException none) {
        // no such files yet
      }
    }
    String meaning = "the state of partition " + partition + " of operator " + operator
        + (storeDirectory.getName().equals(partition) ? "" : " (" + storeDirectory.getName()
        + ")") + " at version " + version + ", which the query's next batch loads from "
        + zip.getName() + ", cannot be loaded";
    for (RocksDbSnapshot.ImmutableFile f : named) {
      Path path = f.in(storeDirectory);
      Long size = sizes.get(path.getParent().getName() + "/" + f.dfsName());
      if (size == null) {
        throw QueryLocationAudit.snapshotFileDamaged(QueryFile.of(zip), path,
            "is missing; " + zip.getName() + " names it with " + f.bytes() + " bytes", meaning);
      }
      if (size != f.bytes()) {
        throw QueryLocationAudit.snapshotFileDamaged(QueryFile.of(zip), path,
            "has " + size + " bytes; " + zip.getName() + " names it with " + f.bytes()
                + " bytes", meaning);
      }
    }
    return true;
  }

  private static List<FileStatus> numberedDirectories(FileSystem fs, Path dir)
      throws IOException {
    List<FileStatus> dirs = new ArrayList<>();
    for (FileStatus f : fs.listStatus(dir)) {
      if (f.isDirectory() && NUMBER.matcher(f.getPath().getName()).matches()) {
        dirs.add(f);
      }
    }
    return dirs;
  }

  /** The highest batch of a metadata log directory, as Spark's log finds it; -1 when none. */
  private static long latestBatch(FileSystem fs, Path log) throws IOException {
    long latest = -1;
    try {
      for (FileStatus f : fs.listStatus(log)) {
        String name = f.getPath().getName();
        if (NUMBER.matcher(name).matches() && name.length() < 19) {
          latest = Math.max(latest, Long.parseLong(name));
        }
      }
    } catch (FileNotFoundException none) {
      return -1;
    }
    return latest;
  }
}
