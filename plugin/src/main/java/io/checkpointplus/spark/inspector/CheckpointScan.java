package io.checkpointplus.spark.inspector;

import io.checkpointplus.spark.files.CheckpointFileManager;
import io.checkpointplus.spark.files.OwnerMarker;
import io.checkpointplus.spark.files.RetentionRules;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One listing of a checkpoint root (or of a single {@code <uuid>} or {@code rdd-N} directory):
 * the application directories, their RDD checkpoints with what their files and manifests say,
 * the Spark Streaming metadata files, and what else lies there. Reads names, sizes, times and
 * small marker files only.
 */
final class CheckpointScan {
  static final Pattern UUID = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  static final Pattern RDD = Pattern.compile("rdd-(\\d+)");
  static final Pattern PART = Pattern.compile("part-(\\d{5,})");
  static final Pattern ATTEMPT = Pattern.compile("\\.part-\\d+-attempt-.*");

  /** One {@code rdd-N} checkpoint directory. */
  static final class Rdd {
    final Path path;
    final int id;
    /** Part files by partition index. */
    final TreeMap<Integer, FileStatus> parts = new TreeMap<>();
    final List<FileStatus> attemptFiles = new ArrayList<>();
    /**
     * Entries named {@code part-*} that are not a part file Spark can read: another name than
     * {@code part-%05d} of its number (stock Spark fails listing the checkpoint), or a directory.
     */
    final List<FileStatus> strayParts = new ArrayList<>();
    final List<FileStatus> otherFiles = new ArrayList<>();
    boolean partitioner;
    ManifestView manifest;
    /** Why the manifest could not be read, if it exists and could not. */
    String manifestError;
    long latestFileTime;

    Rdd(Path path, int id) {
      this.path = path;
      this.id = id;
    }

    long bytes() {
      return parts.values().stream().mapToLong(FileStatus::getLen).sum();
    }

    /** Records according to the manifest, or null. */
    Long records() {
      return manifest == null ? null : manifest.records();
    }
  }

  /** One {@code <uuid>} directory: one {@code setCheckpointDir} of one application. */
  static final class AppDir {
    final Path path;
    final List<Rdd> rdds = new ArrayList<>();
    final List<FileStatus> otherFiles = new ArrayList<>();
    /**
     * Names of entries that neither Spark's RDD checkpointing nor the plugin writes there (not
     * rdd-N, not the owner marker or another {@code _checkpoint-plus*} file): whoever wrote them
     * is unknown, so {@code clean} never removes the directory.
     */
    final List<String> foreignEntries = new ArrayList<>();
    Optional<OwnerMarker> owner = Optional.empty();
    /** The newest modification time of any file at any depth below the directory. */
    long latestFileTime;

    AppDir(Path path) {
      this.path = path;
    }

    /** The last sign of life: the owner's heartbeat or the newest file, epoch ms. */
    long lastSeen() {
      return Math.max(latestFileTime, owner.map(OwnerMarker::heartbeatMs).orElse(0L));
    }

    boolean looksLive(long now) {
      return now - lastSeen() < RetentionRules.LIVE_WINDOW_MS;
    }

    long bytes() {
      return rdds.stream().mapToLong(Rdd::bytes).sum();
    }
  }

  final Path root;
  final FileSystem fs;
  final List<AppDir> appDirs = new ArrayList<>();
  /** Streaming metadata files in the root, in restart order (newest first). */
  final List<FileStatus> metadataFiles = new ArrayList<>();
  final List<FileStatus> otherEntries = new ArrayList<>();
  long files;

  private CheckpointScan(Path root, FileSystem fs) {
    this.root = root;
    this.fs = fs;
  }

  /**
   * A time the storage's clock has certainly reached, for when {@code clean} cannot write its
   * clock probe (read-only credentials): the newest modification time the storage stamped on
   * anything this scan saw (never a heartbeat's content, which is a driver's clock). Ages judged
   * against it are never overstated, only possibly understated; 0 when the scan saw nothing.
   */
  long newestStorageTime() {
    long newest = 0;
    for (AppDir app : appDirs) {
      newest = Math.max(newest, app.latestFileTime);
    }
    for (FileStatus f : metadataFiles) {
      newest = Math.max(newest, f.getModificationTime());
    }
    for (FileStatus f : otherEntries) {
      newest = Math.max(newest, f.getModificationTime());
    }
    return newest;
  }

  /** Scans {@code path}: a root, one {@code <uuid>} directory or one {@code rdd-N} directory. */
  static CheckpointScan of(Path path, FileSystem fs, Progress progress) throws IOException {
    FileStatus status = fs.getFileStatus(path);
    if (!status.isDirectory()) {
      throw new IOException(path + " is a file, expected a checkpoint directory");
    }
    Path qualified = status.getPath();
    CheckpointScan scan = new CheckpointScan(qualified, fs);
    String name = qualified.getName();
    if (RDD.matcher(name).matches()) {
      AppDir app = new AppDir(qualified.getParent());
      app.rdds.add(scan.rdd(qualified, progress));
      app.latestFileTime = app.rdds.get(0).latestFileTime;
      app.owner = readOwner(fs, qualified.getParent());
      scan.appDirs.add(app);
    } else if (UUID.matcher(name).matches()) {
      scan.appDirs.add(scan.appDir(qualified, progress));
    } else {
      for (FileStatus s : fs.listStatus(qualified)) {
        progress.listed(qualified.toString());
        scan.files++;
        String child = s.getPath().getName();
        if (s.isDirectory() && UUID.matcher(child).matches()) {
          scan.appDirs.add(scan.appDir(s.getPath(), progress));
        } else if (s.isFile() && MetadataFile.NAME.matcher(child).matches()) {
          scan.metadataFiles.add(s);
        } else {
          scan.otherEntries.add(s);
        }
      }
      scan.metadataFiles.sort(Comparator.comparingLong((FileStatus s) ->
          MetadataFiles.time(s.getPath())).thenComparing(s -> !MetadataFiles.isBackup(
              s.getPath())).reversed());
      scan.appDirs.sort(Comparator.comparing(a -> a.path.getName()));
    }
    return scan;
  }

  private static Optional<OwnerMarker> readOwner(FileSystem fs, Path dir) {
    try {
      return OwnerMarker.read(fs, dir);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private AppDir appDir(Path dir, Progress progress) throws IOException {
    AppDir app = new AppDir(dir);
    for (FileStatus s : fs.listStatus(dir)) {
      progress.listed(dir.toString());
      files++;
      Matcher m = RDD.matcher(s.getPath().getName());
      if (s.isDirectory() && m.matches()) {
        Rdd rdd = rdd(s.getPath(), progress);
        app.rdds.add(rdd);
        app.latestFileTime = Math.max(app.latestFileTime, rdd.latestFileTime);
      } else {
        app.otherFiles.add(s);
        if (!isPluginFile(s)) {
          app.foreignEntries.add(s.getPath().getName());
        }
        app.latestFileTime = Math.max(app.latestFileTime, newestFileTime(s, progress));
      }
    }
    app.rdds.sort(Comparator.comparingInt(r -> r.id));
    app.owner = readOwner(fs, dir);
    return app;
  }

  private Rdd rdd(Path dir, Progress progress) throws IOException {
    Matcher id = RDD.matcher(dir.getName());
    id.matches();
    Rdd rdd = new Rdd(dir, Integer.parseInt(id.group(1)));
    Path manifest = null;
    for (FileStatus s : fs.listStatus(dir)) {
      progress.listed(dir.toString());
      files++;
      String name = s.getPath().getName();
      rdd.latestFileTime = Math.max(rdd.latestFileTime, newestFileTime(s, progress));
      if (name.startsWith("part-")) {
        // Spark takes every name starting with part- for a partition (ReliableCheckpointRDD)
        Integer index = partIndex(name);
        if (index != null && s.isFile()) {
          rdd.parts.put(index, s);
        } else {
          rdd.strayParts.add(s);
        }
      } else if (ATTEMPT.matcher(name).matches()) {
        rdd.attemptFiles.add(s);
      } else if (name.equals(CheckpointFileManager.PARTITIONER_FILE)) {
        rdd.partitioner = true;
      } else if (name.equals(io.checkpointplus.spark.files.CheckpointManifest.FILE_NAME)) {
        manifest = s.getPath();
      } else {
        rdd.otherFiles.add(s);
      }
    }
    if (manifest != null) {
      try {
        rdd.manifest = ManifestView.read(fs, manifest);
      } catch (IOException e) {
        rdd.manifestError = e.getMessage();
      }
    }
    return rdd;
  }

  /** The partition a part file holds: null unless {@code name} is exactly part-%05d of it. */
  static Integer partIndex(String name) {
    Matcher m = PART.matcher(name);
    if (!m.matches()) {
      return null;
    }
    String digits = m.group(1);
    // %05d: five digits, or more without a leading zero
    if (digits.length() > 10 || digits.length() > 5 && digits.charAt(0) == '0') {
      return null;
    }
    long index = Long.parseLong(digits);
    return index <= Integer.MAX_VALUE ? (int) index : null;
  }

  /** The plugin's own files beside rdd-N directories: the owner marker and its kin. */
  private static boolean isPluginFile(FileStatus s) {
    String name = s.getPath().getName();
    return s.isFile() && (name.startsWith("_checkpoint-plus") || name.startsWith(
        "._checkpoint-plus"));
  }

  /**
   * The newest modification time of a file at {@code s} or at any depth below it: a directory
   * whose top-level files are old may still be written deeper down.
   */
  private long newestFileTime(FileStatus s, Progress progress) throws IOException {
    if (s.isFile()) {
      return s.getModificationTime();
    }
    long newest = 0;
    org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> it =
        fs.listFiles(s.getPath(), true);
    while (it.hasNext()) {
      progress.listed(s.getPath().toString());
      newest = Math.max(newest, it.next().getModificationTime());
    }
    return newest;
  }

  /** Whether {@code path} is a Structured Streaming checkpoint location. */
  static boolean isStructuredStreaming(FileSystem fs, Path path) throws IOException {
    return fs.isDirectory(new Path(path, "offsets")) || fs.isDirectory(new Path(path,
        "commits"));
  }
}
