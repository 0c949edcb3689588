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
  /** Snapshot zips read at once: requests in flight on object stores. */
  private static final int PARALLELISM = 8;

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
   * @throws java.io.InterruptedIOException when the query is stopped meanwhile
   */
  static void beforeResume(QueryFile commitsFile, QueryFileStore store, Configuration conf)
      throws IOException {
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
    } catch (QueryFileIntegrityException | java.io.InterruptedIOException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      QueryLocationAudit.unverified(commitsFile, new Path(commitsFile.location(), "state"),
          "its RocksDB snapshots could not be checked before the restart: " + e);
    }
  }

  /** The files of one state store directory, from the one listing of the location's state. */
  private static final class StoreFiles {
    /** {@code <operator>/<partition>[/<store>]} under the location's {@code state}. */
    final List<String> place;
    final Map<Long, Long> snapshots = new HashMap<>();
    /** {@code SSTs/<name>} and {@code logs/<name>} to their sizes. */
    final Map<String, Long> immutable = new HashMap<>();
    boolean notRocksDb;
    boolean formatVersion2;

    StoreFiles(List<String> place) {
      this.place = place;
    }
  }

  /**
   * Checks what the next batch of the query at {@code location} loads: one listing of the
   * location's {@code state} directory (a flat, paged listing on object stores), then the chosen
   * snapshot zips read and compared with it, several at once.
   */
  static void check(Path location, QueryFileStore store, Configuration conf) throws IOException {
    FileSystem fs = location.getFileSystem(conf);
    long version = versionTheNextBatchLoads(fs, location);
    Path state = new Path(location, "state");
    if (version < 0 || !fs.exists(state)) {
      return;
    }
    Map<Path, StoreFiles> stores = listStores(fs, fs.makeQualified(state));
    List<java.util.concurrent.Callable<Void>> checks = new ArrayList<>();
    for (Map.Entry<Path, StoreFiles> e : stores.entrySet()) {
      StoreFiles files = e.getValue();
      long snapshot = files.snapshots.keySet().stream().filter(v -> v <= version)
          .mapToLong(Long::longValue).max().orElse(-1);
      if (files.notRocksDb || files.formatVersion2 || snapshot < 0) {
        continue; // HDFS-backed; format version 2, whose zip the commit log chooses; no zip yet
      }
      Path zip = new Path(e.getKey(), snapshot + ".zip");
      if (files.snapshots.get(snapshot) > ZIP_LIMIT) {
        QueryLocationAudit.unverified(QueryFile.of(zip), zip, "a snapshot of "
            + files.snapshots.get(snapshot) + " bytes is not read at restart (limit "
            + ZIP_LIMIT + ")");
        continue;
      }
      checks.add(() -> {
        checkStore(fs, e.getKey(), zip, files, version, store);
        return null;
      });
    }
    runAll(checks);
  }

  /** Runs the checks, several at once; the first damage found is thrown. */
  private static void runAll(List<java.util.concurrent.Callable<Void>> checks)
      throws IOException {
    if (checks.isEmpty()) {
      return;
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
        Math.min(PARALLELISM, checks.size()), r -> {
          Thread t = new Thread(r, "checkpoint-plus-restart-check");
          t.setDaemon(true);
          return t;
        });
    try {
      for (java.util.concurrent.Future<Void> f : pool.invokeAll(checks)) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException failed) {
          if (failed.getCause() instanceof QueryFileIntegrityException damage) {
            throw damage;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("stopped while checking RocksDB snapshots");
    } finally {
      pool.shutdownNow();
    }
  }

  /** Every state store directory under {@code state}, from one recursive listing. */
  private static Map<Path, StoreFiles> listStores(FileSystem fs, Path state) throws IOException {
    Map<Path, StoreFiles> stores = new HashMap<>();
    org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> files =
        fs.listFiles(state, true);
    while (files.hasNext()) {
      FileStatus f = files.next();
      Path path = f.getPath();
      String name = path.getName();
      Path parent = path.getParent();
      if (name.startsWith(".") || parent == null) {
        continue; // integrity records, Hadoop's .crc files, temporary files
      }
      boolean immutable = parent.getName().equals("SSTs") || parent.getName().equals("logs");
      Path storeDirectory = immutable ? parent.getParent() : parent;
      List<String> place = placeOf(storeDirectory, state);
      if (place == null) {
        continue; // operator metadata, state schema
      }
      StoreFiles store = stores.computeIfAbsent(storeDirectory, d -> new StoreFiles(place));
      if (immutable) {
        store.immutable.put(parent.getName() + "/" + name, f.getLen());
      } else if (name.endsWith(".delta") || name.endsWith(".snapshot")) {
        store.notRocksDb = true;
      } else if (name.endsWith(".zip") && name.contains("_")) {
        store.formatVersion2 = true;
      } else {
        java.util.regex.Matcher m = SNAPSHOT.matcher(name);
        if (m.matches() && m.group(1).length() < 19) {
          store.snapshots.put(Long.parseLong(m.group(1)), f.getLen());
        }
      }
    }
    return stores;
  }

  /**
   * {@code <operator>/<partition>[/<store>]} when {@code dir} is a state store directory under
   * {@code state} (a join keeps one per store inside the partition's); null otherwise.
   */
  private static List<String> placeOf(Path dir, Path state) {
    List<String> names = new ArrayList<>();
    for (Path p = dir; !p.equals(state); p = p.getParent()) {
      if (p.getParent() == null) {
        return null;
      }
      names.add(0, p.getName());
    }
    boolean store = (names.size() == 2 || names.size() == 3)
        && NUMBER.matcher(names.get(0)).matches() && NUMBER.matcher(names.get(1)).matches();
    return store ? names : null;
  }

  private static void checkStore(FileSystem fs, Path storeDirectory, Path zip, StoreFiles files,
      long version, QueryFileStore store) throws IOException {
    List<RocksDbSnapshot.ImmutableFile> named;
    try {
      named = RocksDbSnapshot.filesNamedBy(store.readChecked(fs, zip, ZIP_LIMIT));
    } catch (QueryFileIntegrityException | java.io.InterruptedIOException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      QueryLocationAudit.unverified(QueryFile.of(zip), zip,
          "the restart check could not read the snapshot: " + e);
      return;
    }
    List<String> parts = files.place;
    String meaning = "the state of partition " + parts.get(1) + " of operator " + parts.get(0)
        + (parts.size() > 2 ? " (" + parts.get(2) + ")" : "") + " at version " + version
        + ", which the query's next batch loads from " + zip.getName() + ", cannot be loaded";
    for (RocksDbSnapshot.ImmutableFile f : named) {
      Path path = f.in(storeDirectory);
      Long size = files.immutable.get(path.getParent().getName() + "/" + f.dfsName());
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
  }

  /**
   * The state version the query's next batch loads, chosen as Spark chooses the batch: after the
   * latest offsets {@code L}, batch {@code L + 1} when {@code L} committed, else {@code L} again
   * (batch {@code b} loads version {@code b}); -1 before the first batch.
   */
  private static long versionTheNextBatchLoads(FileSystem fs, Path location) throws IOException {
    long offsets = latestBatch(fs, new Path(location, "offsets"));
    if (offsets < 0) {
      return -1;
    }
    return latestBatch(fs, new Path(location, "commits")) == offsets ? offsets + 1 : offsets;
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
