package io.checkpointplus.spark.files;

import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.AuditLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
 * (SPARK-33000: every {@code setCheckpointDir} creates one and nothing removes it), and only
 * those it can prove dead, by {@link RetentionRules}, the rules of the inspector's
 * {@code clean}.
 *
 * <p>Liveness: each application marks its own {@code <uuid>} directory with an
 * {@link OwnerMarker} and renews it from a daemon thread ({@link #start}) every quarter of the
 * minimum {@code olderThan} (2.5 min), whatever its own setting: other applications sharing the
 * root judge the heartbeat by theirs. Ages are judged on the storage's clock
 * ({@link StorageClock}: a probe file written in the root before each sweep), against the
 * storage's file times (the marker's included), never against this driver's clock or the time
 * another driver wrote into its marker: drivers' clocks may be hours apart. A directory without
 * owner marker (stock Spark, an application without the plugin) may be read for hours without a
 * file changing: it is swept only when {@code includeUnowned} opts in. Never touched either:
 * this application's own directories, a directory holding a checkpoint this application reads
 * (a streaming job restored from its checkpoint reads the previous run's), a directory a
 * streaming metadata checkpoint in the root names (what a restart restores from,
 * {@link StreamingMetadataReferences}). {@code keepLast} keeps the newest earlier directories
 * per application name, so other applications sharing the root do not use up the count.
 *
 * <p>Heartbeats and sweeps run on daemon threads of their own, never on the thread of an
 * action, so that a long sweep (a large root on an object store) never delays a heartbeat. The
 * owner markers of each store (scheme and authority) are written on that store's own thread: an
 * application that owns directories on several stores ({@code setCheckpointDir} called again,
 * elsewhere) keeps renewing them all when one store hangs; that store's stall is reported.
 * Sweeps run after a checkpoint: once per root every {@code olderThan} (capped at ten minutes),
 * since sooner nothing new could have become idle, and also whenever a checkpoint this
 * application read is gone, since that can free a directory at once. Nothing that fails inside
 * (a {@link Throwable} included) reaches the application or stops later heartbeats and sweeps:
 * the first failure of each kind is one WARN and a {@code hook.status} event
 * ({@code status=degraded}), later ones are logged at DEBUG.
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
  static final long MIN_OLDER_THAN_MS = RetentionRules.LIVE_WINDOW_MS;
  private static final Set<String> PINNED = Set.of();
  /** The name of the heartbeat's threads (the scheduler's and every store's). */
  static final String HEARTBEAT_THREAD = "checkpoint-plus-heartbeat";
  private static final Set<RetentionSweeper> LIVE = ConcurrentHashMap.newKeySet();

  private final boolean enabled;
  private final int keepLast;
  private final long olderThanMs;
  private final boolean includeUnowned;
  private final boolean dryRun;
  private final AuditLog audit;
  /**
   * This driver's "now" in epoch ms: the time written into the heartbeat (for people reading
   * the marker; retention judges the marker's file time) and the pace of sweeps. Never compared
   * with a storage time.
   */
  private final LongSupplier clock;
  /** {@code <uuid>} path → the {@code rdd-N} paths read under it, or {@link #PINNED}. */
  private final Map<String, Set<String>> referenced = new HashMap<>();
  private final Map<String, Long> lastSweep = new ConcurrentHashMap<>();
  /** Schedules the heartbeat; each store's markers are written on that store's own thread. */
  private final ScheduledExecutorService heartbeats = daemonThread(HEARTBEAT_THREAD);
  /**
   * Per store (scheme and authority) the thread that writes the owner markers there: a store
   * whose calls hang (a NameNode unreachable, retried for 15 minutes a call by default; an S3
   * endpoint that stopped answering) holds back only its own directories' heartbeat, never the
   * other stores'.
   */
  private final Map<String, StoreHeartbeat> storeHeartbeats = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private final ScheduledExecutorService sweeps = daemonThread("checkpoint-plus-retention");
  /** The kinds of failure already reported (one WARN and one event each). */
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  /** Records a failure as the plugin's {@code hook.status} event; set by {@link #start}. */
  private volatile Consumer<String> degraded = reason -> { };
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
  /** The heartbeat period of sweepers constructed from now on; 0: the rule's. Tests only. */
  private static volatile long heartbeatPeriodForNewSweepers;
  /** This sweeper's heartbeat period if a test set one, else 0. */
  private final long heartbeatPeriodOverride = heartbeatPeriodForNewSweepers;

  public RetentionSweeper(boolean enabled, int keepLast, long olderThanMs,
      boolean includeUnowned, boolean dryRun, AuditLog audit) {
    this(enabled, keepLast, olderThanMs, includeUnowned, dryRun, audit, clockForNewSweepers);
  }

  /** As the public constructor, with {@code clock} as this driver's "now" (epoch ms). */
  RetentionSweeper(boolean enabled, int keepLast, long olderThanMs, boolean includeUnowned,
      boolean dryRun, AuditLog audit, LongSupplier clock) {
    this.clock = clock;
    this.enabled = enabled;
    this.keepLast = keepLast;
    this.olderThanMs = olderThanMs;
    this.includeUnowned = includeUnowned;
    this.dryRun = dryRun;
    this.audit = audit;
    LIVE.add(this);
  }

  private static ScheduledExecutorService daemonThread(String name) {
    return Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Tests: the sweepers the plugin constructs from now on (in a SparkContext started later) take
   * this driver's "now" from {@code clock}, e.g. the system clock plus a day: a driver whose
   * clock is a day off; {@code null} restores the system clock. A sweeper keeps the clock it was
   * constructed with.
   */
  static void useClockForNewSweepers(LongSupplier clock) {
    clockForNewSweepers = clock == null ? System::currentTimeMillis : clock;
  }

  /**
   * Tests: the sweepers the plugin constructs from now on renew their owner markers every
   * {@code periodMs} (at least 100 ms) instead of every 2.5 minutes; 0 restores the rule.
   */
  static void useHeartbeatPeriodForNewSweepers(long periodMs) {
    heartbeatPeriodForNewSweepers = periodMs <= 0 ? 0 : Math.max(100L, periodMs);
  }

  /**
   * Starts the heartbeat: from now on, every quarter of the minimum {@code olderThan}, the owner
   * marker of this application's {@code <uuid>} directories (whatever {@code checkpointDir}
   * returns at the time, e.g. {@code sc::getCheckpointDir}, and every one it wrote to) is
   * renewed, each store's on a thread of its own, and forgotten references pruned (on the sweep
   * thread). {@code degraded} records a failure inside
   * retention (its reason) as an audit event; it is called once per kind of failure.
   */
  public void start(String appId, String appName, Supplier<scala.Option<String>> checkpointDir,
      Configuration hadoopConf, Consumer<String> degraded) {
    this.degraded = degraded;
    owner = new OwnerMarker(appId, appName, 0);
    long period = heartbeatPeriodMs();
    heartbeats.scheduleWithFixedDelay(guarded("heartbeat", () -> {
      scala.Option<String> dir = checkpointDir.get();
      if (dir.isDefined()) {
        own(new Path(dir.get()));
      }
      Map<String, List<Path>> byStore = new java.util.LinkedHashMap<>();
      for (Path uuidDir : owned.values()) {
        byStore.computeIfAbsent(store(uuidDir), k -> new ArrayList<>()).add(uuidDir);
      }
      byStore.forEach((store, dirs) -> renew(store, dirs, hadoopConf, true));
    }), 0, period, TimeUnit.MILLISECONDS);
    // Not on the heartbeat's thread: a store that stalls an exists call (a NameNode down, with
    // its retries) would hold back every heartbeat, and this application would look dead.
    sweeps.scheduleWithFixedDelay(guarded("prune", () -> prune(hadoopConf)), period, period,
        TimeUnit.MILLISECONDS);
  }

  /**
   * {@code task} such that nothing it throws escapes: a periodic task that throws is never run
   * again ({@code scheduleWithFixedDelay}), and a heartbeat that stops makes this application's
   * directories look dead to every other application sharing the root. A
   * {@link VirtualMachineError} included: if the JVM survives it, the heartbeat must go on.
   */
  private Runnable guarded(String what, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable t) {
        failed(what, t);
      }
    };
  }

  /** The first failure of each kind: one WARN and one event; later ones at DEBUG. */
  private void failed(String what, Throwable t) {
    if (!reported.add(what)) {
      LOG.debug("Checkpoint retention: {} failed again", what, t);
      return;
    }
    LOG.warn("Checkpoint retention: {} failed, the application goes on unaffected{}: {}", what,
        what.startsWith("heartbeat") ? " (while this application's owner markers are not"
            + " renewed, other applications' retention may take its directories for dead)"
            : "", t.toString());
    LOG.debug("Checkpoint retention failure", t);
    try {
      degraded.accept("retention " + what + " failed: " + t);
    } catch (Throwable e) {
      LOG.debug("Could not record the retention failure", e);
    }
  }

  /**
   * How often the owner marker is renewed: a quarter of the smallest {@code olderThan} any
   * application may use ({@value #MIN_OLDER_THAN_MS} ms), whatever this one's. Another
   * application sharing the root judges this one's directory by its own {@code olderThan};
   * renewing every quarter of this application's (15 min at the default 1h) let one with
   * {@code olderThan=10min} sweep a live directory.
   */
  long heartbeatPeriodMs() {
    if (heartbeatPeriodOverride > 0) {
      return heartbeatPeriodOverride;
    }
    return Math.max(1_000L, Math.min(olderThanMs, MIN_OLDER_THAN_MS) / 4);
  }

  /**
   * Stops the heartbeat and the sweeps, and waits (at most ten seconds) for what was already
   * scheduled: once the application is stopped, nothing of it writes a marker any more, so a
   * marker's file time says for certain when its owner was last alive. Called on an interrupted
   * thread, it does not wait: the owner-marker writes are interrupted, the interrupt is kept.
   */
  @Override
  public void close() {
    closed = true;
    heartbeats.shutdown();
    sweeps.shutdown();
    // Every executor is shut down before any wait: a wait that is interrupted must not leave
    // a store's thread running for the rest of the JVM.
    for (StoreHeartbeat s : storeHeartbeats.values()) {
      s.thread.shutdown();
    }
    try {
      // One deadline for all: they were all shut down above and finish side by side, so a
      // long sweep no longer uses up the time of the stores' last renewals.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      boolean done = sweeps.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
      done &= heartbeats.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
      for (StoreHeartbeat s : storeHeartbeats.values()) {
        done &= s.thread.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
      }
      if (!done) {
        LOG.warn("Checkpoint retention still running 10 s after the application stopped (a"
            + " store not answering?); its owner-marker writes are interrupted");
        stopStoreHeartbeatsNow();
      }
    } catch (InterruptedException e) {
      stopStoreHeartbeatsNow();
      Thread.currentThread().interrupt();
    } finally {
      LIVE.remove(this);
    }
  }

  /** Interrupts the owner-marker writes under way and drops the queued ones. */
  private void stopStoreHeartbeatsNow() {
    heartbeats.shutdownNow();
    for (StoreHeartbeat s : storeHeartbeats.values()) {
      s.thread.shutdownNow();
    }
  }

  private static long remaining(long deadlineNanos) {
    return Math.max(0, deadlineNanos - System.nanoTime());
  }

  /** The store {@code uuidDir} is on: its scheme and authority ("" where it names none). */
  private static String store(Path uuidDir) {
    java.net.URI uri = uuidDir.toUri();
    return (uri.getScheme() == null ? "" : uri.getScheme() + "://")
        + (uri.getAuthority() == null ? "" : uri.getAuthority());
  }

  /** The thread that writes the owner markers on one store, and whether it is busy. */
  private static final class StoreHeartbeat {
    final ScheduledExecutorService thread = daemonThread(HEARTBEAT_THREAD);
    /** When the renewal queued last was queued (System.nanoTime), while it is not done; else 0. */
    final java.util.concurrent.atomic.AtomicLong busySince =
        new java.util.concurrent.atomic.AtomicLong();
  }

  /**
   * Renews the owner markers of {@code dirs}, all on {@code store}, on that store's thread.
   * {@code scheduled}: the periodic renewal, skipped while the store has not finished the
   * previous one (reported once, as a failure of the heartbeat on that store, when that has
   * taken two periods); otherwise (a directory newly owned) queued.
   */
  private void renew(String store, List<Path> dirs, Configuration hadoopConf,
      boolean scheduled) {
    if (closed) {
      return;
    }
    StoreHeartbeat s = storeHeartbeats.computeIfAbsent(store, k -> new StoreHeartbeat());
    if (closed) {
      // close() ran meanwhile and may not have seen this store's executor: end it here, with
      // whatever was queued on it, since no marker may be written after close().
      s.thread.shutdownNow();
      return;
    }
    long now = System.nanoTime();
    if (scheduled && !s.busySince.compareAndSet(0, now)) {
      long stalledMs = TimeUnit.NANOSECONDS.toMillis(now - s.busySince.get());
      if (stalledMs < 2 * heartbeatPeriodMs()) {
        return; // slow, not yet stalled: a renewal is still under way
      }
      long stalledS = stalledMs / 1000;
      failed("heartbeat on " + (store.isEmpty() ? "the default file system" : store),
          new IOException("the owner markers of " + dirs + " were not renewed: the store has"
              + " not answered for " + stalledS + " s (the markers on other stores are renewed"
              + " meanwhile)"));
      return;
    }
    try {
      s.thread.execute(guarded("heartbeat", () -> {
        try {
          for (Path uuidDir : dirs) {
            heartbeat(uuidDir, hadoopConf);
          }
        } finally {
          if (scheduled) {
            s.busySince.set(0);
          }
        }
      }));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      s.busySince.set(0); // closed meanwhile
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
      // one directory's failure does not keep the others' heartbeat from being renewed
      failed("heartbeat", new IOException("could not renew the owner marker of " + uuidDir
          + ": " + e, e));
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
      // The whole URI: prune checks it on its own file system, not the default one.
      rdds.add(rdd.toString());
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
    try {
      Path current = new Path(rddCheckpointDir).getParent();
      boolean newlyOwned = own(current);
      if (owner != null && newlyOwned) {
        renew(store(current), List.of(current), hadoopConf, false);
      }
      if (!enabled) {
        return;
      }
      Path root = current.getParent();
      long interval = Math.max(1_000L, Math.min(olderThanMs, 10 * 60 * 1000L));
      sweeps.execute(guarded("sweep", () -> {
        // A directory this application stopped reading may be removable now: sweep then
        // too, not only when the interval has passed.
        boolean released = prune(hadoopConf) > 0;
        long now = clock.getAsLong();
        Long last = lastSweep.get(root.toString());
        if (!released && last != null && now - last < interval) {
          return;
        }
        lastSweep.put(root.toString(), now);
        try {
          sweep(root, current, root.getFileSystem(hadoopConf));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("sweep of " + root + ": " + e.getMessage(), e);
        }
      }));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("Retention stopped; no sweep after {}", rddCheckpointDir);
    } catch (Throwable t) {
      failed("sweep", t);
    }
  }

  /** Records {@code uuidDir} as this application's; true if it was not yet. */
  private boolean own(Path uuidDir) {
    return owned.putIfAbsent(uuidDir.toUri().getPath(), uuidDir) == null;
  }

  /**
   * Waits until the sweeps and heartbeats scheduled so far are done (tests, and an orderly
   * stop).
   */
  void awaitSweeps() throws Exception {
    Future<?> swept = sweeps.submit(() -> { });
    Future<?> renewed = heartbeats.submit(() -> { });
    swept.get(120, TimeUnit.SECONDS);
    renewed.get(120, TimeUnit.SECONDS);
    // then what the heartbeat handed to each store's thread
    List<Future<?>> stores = new ArrayList<>();
    for (StoreHeartbeat s : storeHeartbeats.values()) {
      stores.add(s.thread.submit(() -> { }));
    }
    for (Future<?> f : stores) {
      f.get(120, TimeUnit.SECONDS);
    }
  }

  /** {@link #awaitSweeps()} for every sweeper of this JVM. */
  static void awaitAllSweeps() throws Exception {
    for (RetentionSweeper s : LIVE) {
      s.awaitSweeps();
    }
  }

  /**
   * Sweeps {@code root}, where this application's latest checkpoint went to {@code current}:
   * removes (or, in a dry run, records) what {@link RetentionRules} proves dead, at the time the
   * storage's clock says. Throws if that clock or the root's listing or streaming metadata
   * cannot be read: then nothing is removed.
   */
  void sweep(Path root, Path current, FileSystem fs) throws IOException {
    // before the listing: whatever the listing sees is at most this old, or younger
    long storageNow = StorageClock.now(fs, root);
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
    List<RetentionRules.Candidate> candidates = new ArrayList<>();
    for (FileStatus s : children) {
      String path = s.getPath().toUri().getPath();
      if (s.isDirectory() && UUID.matcher(s.getPath().getName()).matches()
          && !path.equals(current.toUri().getPath()) && !owned.containsKey(path)
          && !namedByStreamingMetadata.contains(s.getPath().getName())
          && !readByThisApplication(s.getPath(), fs)) {
        try {
          candidates.add(new RetentionRules.Candidate(s.getPath(),
              OwnerMarker.read(fs, s.getPath()), RetentionRules.newestFileTime(fs, s.getPath())));
        } catch (IOException | RuntimeException e) {
          // Whether its owner lives cannot be told: keep it, and judge the others.
          LOG.warn("Retention keeps {}: its owner marker or files cannot be read ({})",
              s.getPath(), e.toString());
        }
      }
    }
    for (RetentionRules.Decision d : RetentionRules.decide(candidates, storageNow, olderThanMs,
        keepLast, includeUnowned)) {
      if (!d.remove()) {
        continue;
      }
      Path dir = d.candidate().dir();
      // just before the delete: nothing written to it since the listing
      long idleMs = RetentionRules.ageMs(fs, dir, storageNow);
      if (!RetentionRules.expired(idleMs, olderThanMs)) {
        continue;
      }
      boolean deleted = !dryRun && fs.delete(dir, true);
      String app = d.candidate().appName();
      audit.record(audit.event(AuditEvent.Type.CHECKPOINT_CLEANED)
          .with("dir", dir.toString())
          .with("reason", "retention: a directory of an earlier run"
              + (d.candidate().owner().isPresent() ? (app.isEmpty() ? "" : " of " + app)
                  + ", beyond the newest " + keepLast + ", its owner's heartbeat expired:"
                  : " without owner marker (files.retention.includeUnowned), beyond the newest "
                  + keepLast + ":")
              + " no file changed for " + idleMs / 1000 + " s by the storage's clock")
          .with("dryRun", dryRun)
          .with("deleted", deleted)
          .build());
    }
  }
}
