package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.checkpointplus.spark.files.RetentionRules;
import io.checkpointplus.spark.files.StorageClock;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code clean ROOT [--older-than D] [--keep-last N] [--include-unowned] [--dry-run]}: removes
 * the {@code <uuid>} directories of earlier runs by the plugin's retention rules
 * ({@code spark.checkpointplus.files.retention.*}, see {@code RetentionSweeper}), and only what
 * it can prove dead. ROOT must be a checkpoint root, and only its direct children are removed.
 *
 * <p>What may go is decided by {@link RetentionRules}, as in the driver's sweeps: ages on the
 * storage's clock ({@link StorageClock}), never this machine's; by default only directories
 * whose owner's heartbeat expired; a directory without owner marker (stock Spark, an
 * application without the plugin, which may read it for hours without a file changing) only
 * with {@code --include-unowned}; never one that looks live, nor, per application name, the
 * newest {@code keepLast}. Never removed either: one that a streaming metadata checkpoint in the
 * root references (what a restart restores from), a Structured Streaming query location, one
 * holding anything but rdd-N directories and the plugin's files. The age is re-checked just
 * before the delete. If a metadata
 * file cannot be read, what it references is unknown and nothing is removed. A failed delete
 * is reported and the others go on.
 */
final class CleanCommand {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|min|h|d)");
  static final long MIN_OLDER_THAN_MS = RetentionRules.LIVE_WINDOW_MS;

  private CleanCommand() {
  }

  /** A decision about one directory, in words. */
  record Decision(Path dir, String appName, boolean remove, String reason) {
  }

  static long parseDuration(String text) throws Arguments.UsageException {
    return parseDuration("older-than", text, MIN_OLDER_THAN_MS, "10min",
        "a live application could be removed");
  }

  /**
   * A duration option's value ({@code 15min}, {@code 12h}) in ms, at least {@code minMs}
   * ({@code min} in words), or a usage error naming {@code --option}, the value, what is
   * allowed and, below the minimum, {@code whyMin}.
   */
  static long parseDuration(String option, String text, long minMs, String min, String whyMin)
      throws Arguments.UsageException {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new Arguments.UsageException("--" + option + " '" + text + "': expected a duration"
          + " with a unit (ms, s, min, h, d) of at least " + min + ", such as 15min, 12h or 7d");
    }
    long n = Long.parseLong(m.group(1));
    long ms = switch (m.group(2)) {
      case "ms" -> n;
      case "s" -> n * 1000;
      case "min" -> n * 60_000;
      case "h" -> n * 3_600_000;
      default -> n * 86_400_000;
    };
    if (ms < minMs) {
      throw new Arguments.UsageException("--" + option + " '" + text + "': at least " + min
          + " (below, " + whyMin + ")");
    }
    return ms;
  }

  static Outcome run(Arguments args, Progress progress) throws Arguments.UsageException,
      IOException {
    Path given = new Path(args.single("checkpoint root"));
    Configuration hadoopConf = args.hadoopConf();
    FileSystem fs = given.getFileSystem(hadoopConf);
    // Checked as resolved (qualified, ".." and "." gone), as listed and deleted: a name checked
    // before, such as that of "<uuid>/rdd-3/..", is not the directory cleaned.
    org.apache.hadoop.fs.FileStatus status = fs.getFileStatus(given);
    Path root = status.getPath();
    if (CheckpointScan.UUID.matcher(root.getName()).matches()
        || CheckpointScan.RDD.matcher(root.getName()).matches()) {
      throw new Arguments.UsageException(root + ": clean takes a checkpoint root only (the"
          + " directory given to setCheckpointDir, holding <uuid> directories), not a <uuid> or"
          + " rdd-N directory");
    }
    if (!status.isDirectory()) {
      throw new IOException(root + " is a file, expected a checkpoint root");
    }
    long olderThan = parseDuration(args.options.getOrDefault("older-than", "1h"));
    int keepLast;
    try {
      keepLast = Integer.parseInt(args.options.getOrDefault("keep-last", "1"));
    } catch (NumberFormatException e) {
      keepLast = -1;
    }
    if (keepLast < 0) {
      throw new Arguments.UsageException("--keep-last '" + args.options.get("keep-last")
          + "': expected an integer >= 0");
    }
    boolean dryRun = args.flag("dry-run");
    boolean includeUnowned = args.flag("include-unowned");
    long storageNow;
    String clockUnread = null;
    try {
      // before the listing: whatever the listing sees is at most this old, or younger
      storageNow = StorageClock.now(fs, root);
    } catch (IOException e) {
      if (!dryRun) {
        throw new IOException("Nothing removed: " + e.getMessage(), e);
      }
      clockUnread = e.getMessage();
      storageNow = -1;
    }
    CheckpointScan scan = CheckpointScan.of(root, fs, progress);
    if (clockUnread != null) {
      // A dry run with read-only credentials still answers, never overstating an age.
      storageNow = scan.newestStorageTime();
    }
    ListCommand.MetadataReferences refs = ListCommand.MetadataReferences.of(scan, hadoopConf,
        args.sparkConf());
    if (!refs.errors.isEmpty()) {
      throw new IOException("Nothing removed: streaming metadata "
          + refs.errors.keySet().iterator().next() + " cannot be read, so which directories"
          + " it references is unknown (" + refs.errors.values().iterator().next() + ")");
    }
    List<Decision> decisions = decide(scan, refs, storageNow, olderThan, keepLast,
        includeUnowned);
    List<String> failed = new ArrayList<>();
    ObjectNode json = JSON.createObjectNode();
    json.put("root", scan.root.toString());
    json.put("dryRun", dryRun);
    json.put("olderThanMs", olderThan);
    json.put("keepLast", keepLast);
    json.put("includeUnowned", includeUnowned);
    json.put("storageTimeMs", storageNow);
    json.put("storageClock", clockUnread == null ? "probe" : "newestFileLowerBound");
    ArrayNode arr = json.putArray("directories");
    StringBuilder out = new StringBuilder();
    if (clockUnread != null) {
      out.append("Dry run without the storage's clock (").append(clockUnread).append("):"
          + " ages are judged against the newest file time in the root, ")
          .append(java.time.Instant.ofEpochMilli(storageNow)).append(", a lower bound of the"
          + " storage's time; the real run, which needs write access, may remove more.\n");
    }
    int removed = 0;
    for (Decision d : decisions) {
      boolean deleted = false;
      String failure = null;
      String reason = d.reason();
      boolean remove = d.remove();
      if (remove && !dryRun) {
        if (!d.dir().getParent().equals(scan.root)) {
          throw new IllegalStateException(d.dir() + " is not a child of the root " + scan.root);
        }
        try {
          String written = writtenSince(fs, d.dir(), storageNow, olderThan);
          if (written != null) {
            remove = false;
            reason = written;
          } else {
            deleted = fs.delete(d.dir(), true);
            if (!deleted) {
              failure = "the file system did not delete it";
            }
          }
        } catch (IOException | RuntimeException e) {
          failure = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        if (failure != null) {
          failed.add(d.dir().toString());
          reason = reason + "; FAILED: " + failure;
        }
        progress.event((deleted ? "removed " : remove ? "FAILED to remove " : "kept ")
            + d.dir() + " (" + reason + ")");
      }
      removed += remove ? 1 : 0;
      ObjectNode node = arr.addObject().put("dir", d.dir().toString()).put("appName",
          d.appName()).put("remove", remove).put("deleted", deleted).put("reason", reason);
      if (failure != null) {
        node.put("error", failure);
      }
      out.append(remove ? (dryRun ? "would remove " : deleted ? "removed      "
          : "FAILED       ") : "keep         ").append(d.dir()).append("  (").append(reason)
          .append(")\n");
    }
    out.append(dryRun ? removed + " directories would be removed (dry run: nothing deleted)\n"
        : (removed - failed.size()) + " directories removed" + (failed.isEmpty() ? ""
            : ", " + failed.size() + " could not be") + "\n");
    return new Outcome(failed.isEmpty() ? Exit.OK : Exit.PROBLEMS, json, out.toString());
  }

  /**
   * Re-checks, just before deleting, that nothing was written to {@code dir} since the listing
   * ({@link RetentionRules#ageMs}). Returns why the directory is kept, or null if it is still
   * expired.
   */
  private static String writtenSince(FileSystem fs, Path dir, long storageNow, long olderThan)
      throws IOException {
    long idle = RetentionRules.ageMs(fs, dir, storageNow);
    return RetentionRules.expired(idle, olderThan) ? null : "written "
        + Table.age(Math.max(0, idle)) + " ago, since the listing: kept";
  }

  /**
   * The retention decision for every {@code <uuid>} directory of the root, at
   * {@code storageNow} (the storage's clock, as the times of the scan).
   */
  static List<Decision> decide(CheckpointScan scan, ListCommand.MetadataReferences refs,
      long storageNow, long olderThan, int keepLast, boolean includeUnowned) throws IOException {
    List<Decision> out = new ArrayList<>();
    List<RetentionRules.Candidate> candidates = new ArrayList<>();
    for (CheckpointScan.AppDir a : scan.appDirs) {
      String app = a.owner.map(o -> o.appName()).orElse("");
      if (StructuredStreamingLocation.isOne(scan.fs, a.path)) {
        out.add(new Decision(a.path, app, false, "a Structured Streaming query location"
            + " (offsets/ or commits/): not an application directory"));
      } else if (!a.foreignEntries.isEmpty()) {
        out.add(new Decision(a.path, app, false, "holds " + a.foreignEntries.get(0)
            + (a.foreignEntries.size() > 1 ? " and " + (a.foreignEntries.size() - 1) + " more"
            : "") + ": not only rdd-N directories and the plugin's files"));
      } else if (refs.uuidNames.contains(a.path.getName())) {
        out.add(new Decision(a.path, app, false, "referenced by a streaming metadata"
            + " checkpoint: a restart reads it"));
      } else {
        // storage times only: the time a driver wrote into its marker is by the driver's clock
        candidates.add(new RetentionRules.Candidate(a.path, a.owner, a.latestFileTime));
      }
    }
    for (RetentionRules.Decision d : RetentionRules.decide(candidates, storageNow, olderThan,
        keepLast, includeUnowned)) {
      out.add(new Decision(d.candidate().dir(), d.candidate().appName(), d.remove(),
          reason(d, keepLast)));
    }
    out.sort(Comparator.comparing(d -> d.dir().getName()));
    return out;
  }

  private static String reason(RetentionRules.Decision d, int keepLast) {
    boolean owned = d.candidate().owner().isPresent();
    String who = owned ? "of " + d.candidate().appName() : "without owner (--include-unowned)";
    long idle = d.idleMs();
    return switch (d.verdict()) {
      case LIVE -> "live: heartbeat or a file changed " + Table.age(Math.max(0, idle)) + " ago";
      case UNOWNED -> "no owner marker (stock Spark or an application without the plugin,"
          + " which may still read it): whether it is in use cannot be told; --include-unowned"
          + " removes such directories";
      case AMONG_NEWEST -> "among the newest " + keepLast + " " + who;
      case RECENT -> "changed " + Table.age(idle) + " ago, less than --older-than plus "
          + Table.age(StorageClock.SKEW_MARGIN_MS) + " for clock differences";
      case EXPIRED -> "an earlier run " + who + ", beyond the newest " + keepLast
          + (owned ? ", heartbeat expired:" : ",") + " nothing changed for " + Table.age(idle);
    };
  }
}
