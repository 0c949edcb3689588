package io.checkpointplus.spark.files;

import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.AuditLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the {@code <uuid>} directories that earlier runs left under a checkpoint root
 * (SPARK-33000: every {@code setCheckpointDir} creates one and nothing removes it), and never a
 * live one.
 *
 * <p>Liveness: each application marks its own {@code <uuid>} directory with an
 * {@link OwnerMarker} and renews its heartbeat from a daemon thread ({@link #start}) every
 * quarter of the minimum {@code olderThan} (2.5 min), whatever its own setting: other
 * applications sharing the root judge the heartbeat by theirs. A directory is idle when neither its owner's heartbeat nor any
 * file in it (file times only: object stores report directory times as 0) changed for
 * {@code olderThan}. Never touched: this application's own directory, a directory holding a
 * checkpoint this application reads (a streaming job restored from its checkpoint reads the
 * previous run's), a directory a streaming metadata checkpoint in the root names (what a
 * restart restores from, {@link StreamingMetadataReferences}), a directory not idle. {@code keepLast} keeps the newest earlier directories
 * per application name, so other applications sharing the root do not use up the count.
 *
 * <p>Sweeps run on one daemon thread, never on the thread of an action, after a checkpoint: once
 * per root every {@code olderThan} (capped at ten minutes), since sooner nothing new could have
 * become idle, and also whenever a checkpoint this application read is gone, since that can
 * free a directory at once.
 *
 * <p>Memory stays bounded in long-running applications: references are kept per
 * {@code <uuid>} directory, pruned when their checkpoint is gone, and beyond
 * {@value #MAX_REFERENCES_PER_DIR} per directory the directory is simply protected until the
 * application ends (safe: protection only errs towards keeping).
 */
public final class RetentionSweeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionSweeper.class);
  private static final Pattern UUID = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  static final int MAX_REFERENCES_PER_DIR = 64;
  /** The smallest {@code files.retention.olderThan} accepted ({@code 10min}). */
  static final long MIN_OLDER_THAN_MS = 10 * 60 * 1000L;
  private static final Set<String> PINNED = Set.of();
  private static final Set<RetentionSweeper> LIVE = ConcurrentHashMap.newKeySet();

  private final boolean enabled;
  private final int keepLast;
  private final long olderThanMs;
  private final boolean dryRun;
  private final AuditLog audit;
  /** "Now" in epoch ms: the heartbeat written and the time a sweep judges idleness at. */
  private final LongSupplier clock;
  /** {@code <uuid>} path → the {@code rdd-N} paths read under it, or {@link #PINNED}. */
  private final Map<String, Set<String>> referenced = new HashMap<>();
  private final Map<String, Long> lastSweep = new ConcurrentHashMap<>();
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
      r -> {
        Thread t = new Thread(r, "checkpoint-plus-retention");
        t.setDaemon(true);
        return t;
      });
  private volatile OwnerMarker owner;
  /**
   * Every {@code <uuid>} directory this application wrote to, by path: an application that
   * calls {@code setCheckpointDir} again still reads the checkpoints of its earlier directories
   * (their RDDs have no lineage left), so all of them keep their heartbeat and are never swept.
   */
  private final Map<String, Path> owned = new ConcurrentHashMap<>();

  /**
   * The clock sweepers constructed from now on use ({@link #useClockForNewSweepers}); the
   * system clock unless a test set another.
   */
  private static volatile LongSupplier clockForNewSweepers = System::currentTimeMillis;

  public RetentionSweeper(boolean enabled, int keepLast, long olderThanMs, boolean dryRun,
      AuditLog audit) {
    this(enabled, keepLast, olderThanMs, dryRun, audit, clockForNewSweepers);
  }

  /** As the public constructor, with {@code clock} as "now" (epoch ms), not the system clock. */
  RetentionSweeper(boolean enabled, int keepLast, long olderThanMs, boolean dryRun,
      AuditLog audit, LongSupplier clock) {
    this.clock = clock;
    this.enabled = enabled;
    this.keepLast = keepLast;
    this.olderThanMs = olderThanMs;
    this.dryRun = dryRun;
    this.audit = audit;
    LIVE.add(this);
  }

  /**
   * Tests: the sweepers the plugin constructs from now on (in a SparkContext started later) take
   * "now" from {@code clock}, e.g. the system clock plus a day, so a test can sweep "a day
   * later" without touching any file time; {@code null} restores the system clock. A sweeper
   * keeps the clock it was constructed with.
   */
  static void useClockForNewSweepers(LongSupplier clock) {
    clockForNewSweepers = clock == null ? System::currentTimeMillis : clock;
  }

  /**
   * Starts the heartbeat: from now on, every quarter of {@code olderThan}, the owner marker of
   * this application's {@code <uuid>} directory (whatever {@code checkpointDir} returns at the
   * time, e.g. {@code sc::getCheckpointDir}) is renewed, and forgotten references pruned.
   */
  public void start(String appId, String appName, Supplier<scala.Option<String>> checkpointDir,
      Configuration hadoopConf) {
    owner = new OwnerMarker(appId, appName, 0);
    long period = heartbeatPeriodMs();
    thread.scheduleWithFixedDelay(() -> {
      scala.Option<String> dir = checkpointDir.get();
      if (dir.isDefined()) {
        own(new Path(dir.get()));
      }
      for (Path uuidDir : owned.values()) {
        heartbeat(uuidDir, hadoopConf);
      }
      prune(hadoopConf);
    }, 0, period, TimeUnit.MILLISECONDS);
  }

  /**
   * How often the owner marker is renewed: a quarter of the smallest {@code olderThan} any
   * application may use ({@value #MIN_OLDER_THAN_MS} ms), whatever this one's. Another
   * application sharing the root judges this one's directory by its own {@code olderThan};
   * renewing every quarter of this application's (15 min at the default 1h) let one with
   * {@code olderThan=10min} sweep a live directory.
   */
  long heartbeatPeriodMs() {
    return Math.max(1_000L, Math.min(olderThanMs, MIN_OLDER_THAN_MS) / 4);
  }

  /**
   * Stops the heartbeat and the sweeps, and waits (at most ten seconds) for what was already
   * scheduled: once the application is stopped, nothing of it writes a marker any more, so a
   * marker's heartbeat says for certain when its owner was last alive.
   */
  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("Checkpoint retention still running 10 s after the application stopped");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      LIVE.remove(this);
    }
  }

  private void heartbeat(Path uuidDir, Configuration hadoopConf) {
    OwnerMarker o = owner;
    if (o == null) {
      return;
    }
    try {
      new OwnerMarker(o.appId(), o.appName(), clock.getAsLong())
          .write(uuidDir.getFileSystem(hadoopConf), uuidDir);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not renew the owner marker of {}: {}", uuidDir, e.toString());
    }
  }

  /**
   * Notes that this application reads the checkpoint at {@code rddCheckpointDir}: its
   * {@code <uuid>} directory is protected for as long as that checkpoint exists (Spark
   * Streaming deletes a restored DStream's old checkpoints as new ones replace them).
   */
  public void referenced(String rddCheckpointDir) {
    Path rdd = new Path(rddCheckpointDir);
    if (rdd.getParent() == null) {
      return;
    }
    String uuid = rdd.getParent().toUri().getPath();
    synchronized (referenced) {
      Set<String> rdds = referenced.computeIfAbsent(uuid, k -> new HashSet<>());
      if (rdds == PINNED) {
        return;
      }
      rdds.add(rdd.toUri().getPath());
      if (rdds.size() > MAX_REFERENCES_PER_DIR) {
        referenced.put(uuid, PINNED);
      }
    }
  }

  /** Forgets references to checkpoints that no longer exist; returns how many it forgot. */
  int prune(Configuration hadoopConf) {
    int forgotten = 0;
    List<String> candidates = new ArrayList<>();
    synchronized (referenced) {
      referenced.values().stream().filter(s -> s != PINNED).forEach(candidates::addAll);
    }
    for (String rdd : candidates) {
      try {
        Path p = new Path(rdd);
        FileSystem fs = p.getFileSystem(hadoopConf);
        if (!fs.exists(p)) {
          synchronized (referenced) {
            String uuid = p.getParent().toUri().getPath();
            Set<String> rdds = referenced.get(uuid);
            if (rdds != null && rdds != PINNED && rdds.remove(rdd)) {
              forgotten++;
              if (rdds.isEmpty()) {
                referenced.remove(uuid);
              }
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        LOG.debug("Could not check {}", rdd, e);
      }
    }
    return forgotten;
  }

  /** Remembered references (rdd directories, a pinned directory counting one). */
  int referenceCount() {
    synchronized (referenced) {
      return referenced.values().stream().mapToInt(s -> s == PINNED ? 1 : s.size()).sum();
    }
  }

  private boolean readByThisApplication(Path uuidDir, FileSystem fs) throws IOException {
    Set<String> rdds;
    synchronized (referenced) {
      rdds = referenced.get(uuidDir.toUri().getPath());
      rdds = rdds == null || rdds == PINNED ? rdds : new HashSet<>(rdds);
    }
    if (rdds == PINNED) {
      return true;
    }
    if (rdds != null) {
      for (String rdd : rdds) {
        if (fs.exists(new Path(uuidDir, new Path(rdd).getName()))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * After a checkpoint was written to {@code rddCheckpointDir}: renews this application's
   * marker and schedules a sweep of its root if one is due. Returns at once; never throws.
   */
  public void afterCheckpoint(String rddCheckpointDir, Configuration hadoopConf) {
    Path current = new Path(rddCheckpointDir).getParent();
    boolean newlyOwned = own(current);
    if (owner != null && newlyOwned) {
      thread.execute(() -> heartbeat(current, hadoopConf));
    }
    if (!enabled) {
      return;
    }
    Path root = current.getParent();
    long interval = Math.max(1_000L, Math.min(olderThanMs, 10 * 60 * 1000L));
    try {
      thread.execute(() -> {
        try {
          // A directory this application stopped reading may be removable now: sweep then
          // too, not only when the interval has passed.
          boolean released = prune(hadoopConf) > 0;
          long now = clock.getAsLong();
          Long last = lastSweep.get(root.toString());
          if (!released && last != null && now - last < interval) {
            return;
          }
          lastSweep.put(root.toString(), now);
          sweep(root, current, root.getFileSystem(hadoopConf), now);
        } catch (IOException | RuntimeException e) {
          LOG.warn("Checkpoint retention sweep of {} failed: {}", root, e.toString());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("Retention stopped; no sweep of {}", root);
    }
  }

  /** Records {@code uuidDir} as this application's; true if it was not yet. */
  private boolean own(Path uuidDir) {
    return owned.putIfAbsent(uuidDir.toUri().getPath(), uuidDir) == null;
  }

  /** Waits until the sweeps scheduled so far are done (tests, and an orderly stop). */
  void awaitSweeps() throws Exception {
    Future<?> marker = thread.submit(() -> { });
    marker.get(120, TimeUnit.SECONDS);
  }

  /** {@link #awaitSweeps()} for every sweeper of this JVM. */
  static void awaitAllSweeps() throws Exception {
    for (RetentionSweeper s : LIVE) {
      s.awaitSweeps();
    }
  }

  private record Candidate(Path dir, String appName, long lastSeen) {
  }

  void sweep(Path root, Path current, FileSystem fs, long now) throws IOException {
    FileStatus[] children = fs.listStatus(root);
    List<FileStatus> metadata = new ArrayList<>();
    for (FileStatus s : children) {
      if (StreamingMetadataReferences.isMetadataFile(s)) {
        metadata.add(s);
      }
    }
    // Throws if a metadata file cannot be read: then nothing in this root is swept.
    Set<String> namedByStreamingMetadata = metadata.isEmpty() ? Set.of()
        : StreamingMetadataReferences.uuidNames(fs, metadata);
    Map<String, List<Candidate>> byApp = new HashMap<>();
    for (FileStatus s : children) {
      String path = s.getPath().toUri().getPath();
      if (s.isDirectory() && UUID.matcher(s.getPath().getName()).matches()
          && !path.equals(current.toUri().getPath()) && !owned.containsKey(path)
          && !namedByStreamingMetadata.contains(s.getPath().getName())
          && !readByThisApplication(s.getPath(), fs)) {
        Optional<OwnerMarker> marker;
        long lastSeen;
        try {
          marker = OwnerMarker.read(fs, s.getPath());
          lastSeen = Math.max(marker.map(OwnerMarker::heartbeatMs).orElse(0L),
              latestFileTime(fs, s.getPath(), 2));
        } catch (IOException | RuntimeException e) {
          // Whether its owner lives cannot be told: keep it, and judge the others.
          LOG.warn("Retention keeps {}: its owner marker or files cannot be read ({})",
              s.getPath(), e.toString());
          continue;
        }
        String app = marker.map(OwnerMarker::appName).orElse("");
        byApp.computeIfAbsent(app, k -> new ArrayList<>())
            .add(new Candidate(s.getPath(), app, lastSeen));
      }
    }
    for (List<Candidate> dirs : byApp.values()) {
      dirs.sort(Comparator.comparingLong(Candidate::lastSeen).reversed());
      for (int i = keepLast; i < dirs.size(); i++) {
        Candidate old = dirs.get(i);
        long idleMs = now - old.lastSeen();
        if (idleMs < olderThanMs) {
          continue;
        }
        boolean deleted = !dryRun && fs.delete(old.dir(), true);
        audit.record(audit.event(AuditEvent.Type.CHECKPOINT_CLEANED)
            .with("dir", old.dir().toString())
            .with("reason", "retention: a directory of an earlier run"
                + (old.appName().isEmpty() ? "" : " of " + old.appName()) + ", beyond the newest "
                + keepLast + ", no heartbeat and no file changed for " + idleMs / 1000 + " s")
            .with("dryRun", dryRun)
            .with("deleted", deleted)
            .build());
      }
    }
  }

  /** The latest modification time of a file under {@code dir}, {@code depth} levels down. */
  private static long latestFileTime(FileSystem fs, Path dir, int depth) throws IOException {
    long latest = 0;
    for (FileStatus child : fs.listStatus(dir)) {
      if (child.isFile()) {
        latest = Math.max(latest, child.getModificationTime());
      } else if (depth > 1) {
        latest = Math.max(latest, latestFileTime(fs, child.getPath(), depth - 1));
      }
    }
    return latest;
  }
}
