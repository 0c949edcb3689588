package io.checkpointplus.spark.files;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Which {@code <uuid>} directories of earlier runs retention may remove: only those it can
 * prove dead. The one decision behind the driver's sweeps ({@link RetentionSweeper}) and the
 * inspector's {@code clean}; each caller first sets aside what it protects for reasons of its
 * own (its own directories, those a streaming metadata checkpoint names, ...).
 *
 * <p>Ages are judged on the storage's clock ({@link StorageClock}) against the storage's file
 * times, never against a driver's clock or the time a driver wrote into its owner marker: a
 * directory's age is that of its newest file at any depth, the owner marker (renewed by its
 * running owner every 2.5 minutes) included. A directory is:
 *
 * <ul>
 *   <li>{@link Verdict#LIVE} while that age is below {@link #LIVE_WINDOW_MS} plus
 *       {@link StorageClock#SKEW_MARGIN_MS}, whatever {@code olderThan};</li>
 *   <li>{@link Verdict#UNOWNED} without an owner marker (stock Spark, an application without the
 *       plugin, which may read its checkpoint for hours without a file changing) unless the
 *       caller opts in to such directories;</li>
 *   <li>otherwise, per application name (the unowned counting as one), among the newest
 *       {@code keepLast} ({@link Verdict#AMONG_NEWEST}), {@link Verdict#RECENT} while the age is
 *       below {@code olderThan} plus the margin, else {@link Verdict#EXPIRED}: its owner's
 *       heartbeat expired, removable. Callers re-check the age ({@link #ageMs}) just before a
 *       delete.</li>
 * </ul>
 */
public final class RetentionRules {
  /**
   * How recently the newest file (the owner's heartbeat included) must have changed for a
   * directory to be live whatever {@code olderThan}: the smallest {@code olderThan} retention
   * accepts; owners renew their heartbeat every quarter of it.
   */
  public static final long LIVE_WINDOW_MS = 10 * 60 * 1000L;

  private RetentionRules() {
  }

  /** What retention does with a directory, and why. */
  public enum Verdict {
    /** A file or the owner's heartbeat changed within the live window: kept. */
    LIVE,
    /** No owner marker, and the caller did not opt in to such directories: kept. */
    UNOWNED,
    /** Among the newest {@code keepLast} of its application name: kept. */
    AMONG_NEWEST,
    /** Changed within {@code olderThan} plus the margin: kept. */
    RECENT,
    /** Its owner's heartbeat expired and nothing changed for {@code olderThan}: removable. */
    EXPIRED
  }

  /**
   * A {@code <uuid>} directory as listed: its owner marker, if any, and the newest modification
   * time of any file below it (the marker's included), by the storage's clock.
   */
  public record Candidate(Path dir, Optional<OwnerMarker> owner, long newestFileTime) {
    /** The owner's application name; "" without an owner marker. */
    public String appName() {
      return owner.map(OwnerMarker::appName).orElse("");
    }
  }

  /** The verdict on one candidate, and its age ({@code storageNow - newestFileTime}). */
  public record Decision(Candidate candidate, Verdict verdict, long idleMs) {
    public boolean remove() {
      return verdict == Verdict.EXPIRED;
    }
  }

  /**
   * The verdict on every candidate at {@code storageNow} (the storage's clock, as the candidates'
   * file times), in the candidates' order.
   */
  public static List<Decision> decide(List<Candidate> candidates, long storageNow,
      long olderThanMs, int keepLast, boolean includeUnowned) {
    Map<Candidate, Decision> out = new LinkedHashMap<>();
    Map<String, List<Candidate>> byApp = new LinkedHashMap<>();
    for (Candidate c : candidates) {
      // No time at all (no file, and a store that keeps no directory times): nothing proves
      // the directory idle, so it is live (a stock application's fresh checkpoint directory).
      long idle = c.newestFileTime() <= 0 ? 0 : storageNow - c.newestFileTime();
      if (idle < LIVE_WINDOW_MS + StorageClock.SKEW_MARGIN_MS) {
        out.put(c, new Decision(c, Verdict.LIVE, idle));
      } else if (c.owner().isEmpty() && !includeUnowned) {
        out.put(c, new Decision(c, Verdict.UNOWNED, idle));
      } else {
        out.put(c, null);
        byApp.computeIfAbsent(c.appName(), k -> new ArrayList<>()).add(c);
      }
    }
    for (List<Candidate> dirs : byApp.values()) {
      dirs.sort(Comparator.comparingLong(Candidate::newestFileTime).reversed());
      for (int i = 0; i < dirs.size(); i++) {
        Candidate c = dirs.get(i);
        long idle = storageNow - c.newestFileTime();
        out.put(c, new Decision(c, i < keepLast ? Verdict.AMONG_NEWEST
            : expired(idle, olderThanMs) ? Verdict.EXPIRED : Verdict.RECENT, idle));
      }
    }
    return new ArrayList<>(out.values());
  }

  /**
   * Whether a directory last changed {@code idleMs} ago (storage's clock) may be removed:
   * {@code olderThan} (never less than the live window) plus the margin for clock differences.
   */
  public static boolean expired(long idleMs, long olderThanMs) {
    return idleMs >= Math.max(olderThanMs, LIVE_WINDOW_MS) + StorageClock.SKEW_MARGIN_MS;
  }

  /**
   * The newest modification time of any file at any depth below {@code dir}, by the storage's
   * clock (directories are left out: object stores report their times as 0). A directory with
   * no file at all (the one {@code setCheckpointDir} creates before the first checkpoint) has
   * its own time where the storage keeps one, else 0: unknown, which {@link #decide} takes for
   * live.
   */
  public static long newestFileTime(FileSystem fs, Path dir) throws IOException {
    long newest = 0;
    boolean any = false;
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(dir, true);
    while (files.hasNext()) {
      newest = Math.max(newest, files.next().getModificationTime());
      any = true;
    }
    return any ? newest : Math.max(0, fs.getFileStatus(dir).getModificationTime());
  }

  /**
   * The age of {@code dir} at {@code storageNow}: that of its newest file at any depth (the
   * owner's heartbeat included). Read again just before a delete, so that a directory written
   * to since the listing is kept ({@link #expired}).
   */
  public static long ageMs(FileSystem fs, Path dir, long storageNow) throws IOException {
    long newest = newestFileTime(fs, dir);
    return newest <= 0 ? 0 : storageNow - newest;
  }
}
