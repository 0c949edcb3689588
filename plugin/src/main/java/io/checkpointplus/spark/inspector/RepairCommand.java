package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * {@code repair LOCATION [--to-batch N] [--idle D] [--apply]}: rolls a Structured Streaming query
 * location back to batch {@code N}, the last batch whose offsets, commit and state are intact
 * and consistent when not given, so that a restart runs batch {@code N+1} again from its input.
 *
 * <p>What belongs to later batches is moved, never deleted, into {@code _repair-<UTC time>/}
 * inside the location, under the same relative paths: the offsets and commits of batches after
 * {@code N}, the sources' log entries after {@code N} (or the file source would skip the input
 * of the batches run again), the state versions after {@code N+1} (version {@code v} is the
 * state after batch {@code v-1}), and each of those files' checksum and integrity record. What
 * a restart of batch {@code N+1} reads stays: the query id, the state versions up to
 * {@code N+1}, RocksDB's SST files, the schema and operator metadata. A {@code repair.json} in
 * that folder, written before the first move, records what is moved, from where, and why;
 * moving the files back before any restart undoes it. A rollback below a file source's latest
 * compaction ({@code N.compact}) is refused: that file holds every earlier batch's entries.
 *
 * <p>Before anything is moved, the location is verified as it will be afterwards (a
 * {@link LocationView} without the files to move): a batch whose restart would still fail is
 * refused, naming the damage, and so is a location a query may be writing to
 * ({@link QueryLocationGuard}). The dry run (the default) prints
 * exactly the moves {@code --apply} makes.
 */
final class RepairCommand {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The folder, inside the location, that a repair moves files into. */
  static final String ASIDE_PREFIX = "_repair-";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern NUMBER = Pattern.compile("\\d+");
  /** A state version's file: {@code 12.delta}, {@code 12.zip}, {@code 12_<id>.zip} (format v2). */
  private static final Pattern STATE_VERSION =
      Pattern.compile("(\\d+)(_[^.]+)?\\.(delta|snapshot|zip|changelog)");
  /** Spark 4's per-batch files of a state operator: {@code _metadata/v2/<batch>}, schemas. */
  private static final Pattern BATCH_PREFIXED = Pattern.compile("(\\d+)(_.*)?");

  private RepairCommand() {
  }

  /** Whether {@code file} lies in a folder a repair set aside inside the location {@code root}. */
  static boolean isSetAside(String root, Path file) {
    String p = file.toUri().getPath();
    return p.startsWith(root) && LocationView.relative(root, file).startsWith(ASIDE_PREFIX);
  }

  static Outcome run(Arguments args, Progress progress) throws Arguments.UsageException,
      IOException {
    Path given = new Path(args.single("Structured Streaming checkpoint location"));
    FileSystem fs = given.getFileSystem(args.hadoopConf());
    String notOne = QueryLocationGuard.notALocation(fs, given);
    if (notOne != null) {
      return refused(given, notOne, Exit.USAGE);
    }
    Long toBatch = null;
    if (args.options.containsKey("to-batch")) {
      String v = args.options.get("to-batch");
      if (!NUMBER.matcher(v).matches()) {
        throw new Arguments.UsageException("--to-batch '" + v + "': expected a batch id, a"
            + " number of 0 or more");
      }
      toBatch = Long.parseLong(v);
    }
    long idleMs = QueryLocationGuard.idleMs(args);
    boolean apply = args.flag("apply");

    Path location = fs.getFileStatus(given).getPath();
    // Listed and moved file by file, checksum files too (verify reads through fs).
    FileSystem everyFile = LocationView.everyFile(fs);
    List<LocatedFileStatus> files = LocationView.filesUnder(everyFile, location);
    String root = location.toUri().getPath();
    String recent = QueryLocationGuard.recentWrite(files, location, idleMs, "repair");
    if (recent != null) {
      return refused(location, recent, Exit.ERROR);
    }

    StructuredStreamingLocation before =
        StructuredStreamingLocation.read(fs, location, progress, true);
    if (before.commits.isEmpty()) {
      return refused(location, "no batch is committed: there is no batch to roll back to (a"
          + " restart runs the query from its start)", Exit.PROBLEMS);
    }
    // A file source's compaction (N.compact) holds every earlier batch's entries and Spark
    // deletes the files it replaced: a rollback below the latest one would lose them.
    long compactFloor = before.sourceEntries.values().stream().flatMap(List::stream)
        .filter(e -> e.endsWith(".compact"))
        .mapToLong(e -> Long.parseLong(e.substring(0, e.length() - ".compact".length())))
        .max().orElse(-1);
    if (toBatch != null && toBatch < compactFloor) {
      return refused(location, "batch " + toBatch + " cannot be rolled back to: a source's log"
          + " was compacted at batch " + compactFloor + " (" + compactFloor + ".compact holds"
          + " the entries of every earlier batch), so the earliest batch to roll back to is "
          + compactFloor, Exit.PROBLEMS);
    }
    List<Long> candidates = new ArrayList<>();
    if (toBatch != null) {
      if (!before.commits.containsKey(toBatch) || !before.offsets.containsKey(toBatch)) {
        return refused(location, "batch " + toBatch + " cannot be rolled back to: it has "
            + (before.offsets.containsKey(toBatch) ? "" : "no offsets")
            + (before.offsets.containsKey(toBatch) || before.commits.containsKey(toBatch)
                ? "" : " and ")
            + (before.commits.containsKey(toBatch) ? "" : "no commit") + " (committed batches:"
            + " " + before.commits.firstKey() + ".." + before.commits.lastKey() + ")",
            Exit.PROBLEMS);
      }
      candidates.add(toBatch);
    } else {
      if (!before.damaged()) {
        return new Outcome(Exit.OK, json(location, before, null, List.of(), null, false, true),
            "Structured Streaming checkpoint " + location + ": intact, nothing to repair (a"
                + " restart runs batch " + before.nextBatch() + ")\n");
      }
      for (Long b : before.commits.descendingKeySet()) {
        if (before.offsets.containsKey(b) && b >= compactFloor) {
          candidates.add(b);
        }
      }
    }

    for (long n : candidates) {
      List<Path> moves = movesFor(root, files, n);
      Set<String> hidden = new HashSet<>();
      moves.forEach(m -> hidden.add(m.toUri().getPath()));
      StructuredStreamingLocation after = StructuredStreamingLocation.read(
          new LocationView(fs, hidden), location, progress, true);
      boolean consistent = after.commits.containsKey(n) && after.commits.lastKey() == n
          && after.offsets.lastKey() == n;
      if (!after.damaged() && consistent) {
        return plan(fs, everyFile, location, before, n, moves, files, apply, progress);
      }
      if (toBatch != null) {
        StringBuilder why = new StringBuilder("batch " + toBatch + " is not intact: a restart"
            + " from it would still fail:\n");
        after.findings.stream().filter(StructuredStreamingLocation.Finding::damage)
            .forEach(f -> why.append("  ").append(f.file()).append(": ").append(f.message())
                .append('\n'));
        why.append("Run repair without --to-batch for the last intact batch.");
        return refused(location, why.toString(), Exit.PROBLEMS);
      }
    }
    return refused(location, "no committed batch is intact: rolled back to any of them, a"
        + " restart would still fail (see verify); the location cannot be repaired by rolling"
        + " back", Exit.PROBLEMS);
  }

  /**
   * The files that belong to batches after {@code n}, in the order they are moved: the newest
   * batch first, and within a batch its commit, its state (snapshots before the deltas and
   * changelogs they would shadow, then operator metadata and schemas), its offsets, then its
   * sources' log entries (which re-planning the batch reads); each file's checksum and
   * integrity record before the file (an orphaned {@code .crc} would fail Spark's rename of
   * the file when it is written again). Cut short anywhere (a failed move, a killed process),
   * the location restarts: with the batch's commit gone Spark runs it again from its offsets;
   * with its offsets gone too, it plans it again from its sources' entries (a file source then
   * takes newer input into it as well: the same state, in fewer batches). Moving the source
   * entries first would leave offsets naming entries that are gone: the restart would fail.
   */
  static List<Path> movesFor(String root, List<LocatedFileStatus> files, long n) {
    List<Path> moves = new ArrayList<>();
    for (LocatedFileStatus f : files) {
      if (!isSetAside(root, f.getPath()) && laterThan(LocationView.relative(root, f.getPath()), n)) {
        moves.add(f.getPath());
      }
    }
    moves.sort(java.util.Comparator.<Path>comparingLong(
            m -> -batchOf(LocationView.relative(root, m)))
        .thenComparingInt(m -> kindRank(LocationView.relative(root, m)))
        .thenComparing(m -> new Path(m.getParent(), primaryName(m.getName())).toString())
        .thenComparing(m -> primaryName(m.getName()).equals(m.getName()))
        .thenComparing(Path::toString));
    return moves;
  }

  /** The order of a batch's files among its moves: see {@link #movesFor}. */
  private static int kindRank(String relative) {
    if (relative.startsWith("commits/")) {
      return 0;
    }
    if (relative.startsWith("state/")) {
      String[] parts = relative.split("/");
      String name = primaryName(parts[parts.length - 1]);
      return name.endsWith(".snapshot") || name.endsWith(".zip") ? 1
          : name.endsWith(".delta") || name.endsWith(".changelog") ? 2 : 3;
    }
    return relative.startsWith("offsets/") ? 4 : 5;
  }

  /** Whether the file at {@code relative} (to the location) belongs to a batch after {@code n}. */
  static boolean laterThan(String relative, long n) {
    Long batch = batchOf(relative);
    return batch != null && batch > n;
  }

  /**
   * The batch the file at {@code relative} belongs to, or {@code null} for a file of every batch
   * (metadata, schemas, RocksDB SST and log files, which later versions may name too). A state
   * version {@code v} is written by batch {@code v - 1}.
   */
  static Long batchOf(String relative) {
    String[] parts = relative.split("/");
    String name = primaryName(parts[parts.length - 1]);
    if (parts.length == 2 && (parts[0].equals("offsets") || parts[0].equals("commits"))) {
      return NUMBER.matcher(name).matches() ? Long.parseLong(name) : null;
    }
    if (parts.length == 3 && parts[0].equals("sources")) {
      String batch = name.replace(".compact", "");
      return NUMBER.matcher(batch).matches() ? Long.parseLong(batch) : null;
    }
    if (parts.length >= 4 && parts[0].equals("state")) {
      boolean operatorMeta = parts[2].equals("_metadata") || parts[2].equals("_stateSchema");
      if (operatorMeta) {
        // Spark 4's per-batch operator metadata (_metadata/v2/<batch>) and state schemas
        // (_stateSchema/<store>/<batch>_<id>); _metadata/metadata and schema are for all.
        Matcher m = BATCH_PREFIXED.matcher(name);
        return parts.length >= 5 && m.matches() ? Long.parseLong(m.group(1)) : null;
      }
      boolean immutable = List.of(parts).contains("SSTs") || List.of(parts).contains("logs")
          || List.of(parts).contains("_metadata");
      Matcher m = STATE_VERSION.matcher(name);
      return !immutable && m.matches() ? Long.parseLong(m.group(1)) - 1 : null;
    }
    return null;
  }

  /** The Spark file a checksum ({@code .x.crc}) or an integrity record is about. */
  private static String primaryName(String name) {
    String primary = name;
    if (name.startsWith(".") && name.endsWith(".crc")) {
      primary = name.substring(1, name.length() - ".crc".length());
    } else if (name.endsWith(".crc")) {
      // Spark 4.1's checksum of a state file (spark.sql.streaming.checkpoint.fileChecksum):
      // <v>.delta.crc, <v>_<id>.zip.crc, <v>.changelog.crc beside the file.
      primary = name.substring(0, name.length() - ".crc".length());
    } else if (io.checkpointplus.spark.structured.IntegrityRecord.isRecordName(name)) {
      primary = name.substring(1, name.length() - ".integrity".length());
    }
    // A checksum of a checksum (.3.delta.crc.crc) is the state file's too.
    return primary.equals(name) ? name : primaryName(primary);
  }


  private static Outcome plan(FileSystem fs, FileSystem everyFile, Path location,
      StructuredStreamingLocation before, long n, List<Path> moves,
      List<LocatedFileStatus> listed, boolean apply, Progress progress) throws IOException {
    String root = location.toUri().getPath();
    StringBuilder out = new StringBuilder();
    out.append("Structured Streaming checkpoint ").append(location).append('\n');
    out.append(apply ? "Rolled back" : "Would roll back (dry run: nothing moved; --apply to"
        + " act)").append(" to batch ").append(n).append(": a restart runs batch ")
        .append(n + 1).append(" again from its input\n");
    before.findings.stream().filter(StructuredStreamingLocation.Finding::damage)
        .forEach(f -> out.append("  damage   ").append(f.file()).append(": ")
            .append(f.message()).append('\n'));
    out.append("  note     the batches after ").append(n).append(" are planned again from the"
        + " source's offsets after batch ").append(n).append("; a sink that skips batch ids it"
        + " already committed (a file sink's _spark_metadata, Delta, foreachBatch keyed by batch"
        + " id) skips them, and input the source no longer has cannot be read again\n");
    Path aside = null;
    List<String> moved = new ArrayList<>();
    if (apply) {
      // Verifying took time: a query started meanwhile would have written since the listing.
      String changed = QueryLocationGuard.changedSince(listed,
          LocationView.filesUnder(everyFile, location), location);
      if (changed != null) {
        return refused(location, changed, Exit.ERROR);
      }
      aside = new Path(location, ASIDE_PREFIX + STAMP.format(Instant.now()));
      // Written before the first move: a repair cut short still says what it was moving.
      writeRecord(everyFile, aside, location, before, n,
          moves.stream().map(m -> LocationView.relative(root, m)).toList());
      for (Path m : moves) {
        String rel = LocationView.relative(root, m);
        Path target = new Path(aside, rel);
        everyFile.mkdirs(target.getParent());
        if (!everyFile.rename(m, target)) {
          throw new IOException("could not move " + m + " to " + target + "; moved so far,"
              + " under " + aside + ": " + moved + ". The moves go newest batch first, each"
              + " batch's commit, state, offsets, then source entries, so Spark restarts from"
              + " the location as it is; run repair --to-batch " + n + " again to finish, or"
              + " move the files back");
        }
        moved.add(rel);
      }
    }
    out.append(apply ? "Moved " : "Would move ").append(moves.size()).append(" files into ")
        .append(apply ? aside.toString() : new Path(location, ASIDE_PREFIX
            + "<UTC time of --apply>").toString()).append(":\n");
    for (Path m : moves) {
      out.append("  ").append(LocationView.relative(root, m)).append('\n');
    }
    String changedDuring = null;
    if (apply) {
      // A writer that started during the moves shows as a file the moves did not expect.
      List<LocatedFileStatus> expected = new ArrayList<>(listed);
      Set<String> movedPaths = new HashSet<>();
      moves.forEach(m -> movedPaths.add(m.toUri().getPath()));
      expected.removeIf(f -> movedPaths.contains(f.getPath().toUri().getPath()));
      List<LocatedFileStatus> now = new ArrayList<>(LocationView.filesUnder(everyFile, location));
      now.removeIf(f -> isSetAside(root, f.getPath()));
      expected.removeIf(f -> isSetAside(root, f.getPath()));
      changedDuring = QueryLocationGuard.changedSince(expected, now, location);
      if (changedDuring != null) {
        out.append("PROBLEM  during the moves ").append(changedDuring.replace("refused: ", "")
            .replace(". Nothing was moved", "")).append("; check that no query runs on it,"
                + " then run verify\n");
      }
    }
    boolean intactAfter;
    if (apply) {
      StructuredStreamingLocation after =
          StructuredStreamingLocation.read(fs, location, progress, true);
      intactAfter = !after.damaged();
      out.append(intactAfter ? "Verified: intact; a restart runs batch " + after.nextBatch()
          : "Verify still finds damage: see checkpoint-plus verify").append('\n');
    } else {
      intactAfter = true;
    }
    List<String> rels = moves.stream().map(m -> LocationView.relative(root, m)).toList();
    return new Outcome(apply && (!intactAfter || changedDuring != null) ? Exit.PROBLEMS : Exit.OK,
        json(location, before, n, rels, aside, apply, intactAfter), out.toString());
  }

  /** {@code repair.json} in the folder: what was moved, from which location, and why. */
  private static void writeRecord(FileSystem fs, Path aside, Path location,
      StructuredStreamingLocation before, long n, List<String> moved) throws IOException {
    ObjectNode record = JSON.createObjectNode();
    record.put("type", "location.repaired");
    record.put("time", System.currentTimeMillis());
    record.put("location", location.toString());
    record.put("queryId", before.queryId);
    record.put("toBatch", n);
    record.put("lastCommittedBefore", before.commits.lastKey());
    ArrayNode damage = record.putArray("damage");
    before.findings.stream().filter(StructuredStreamingLocation.Finding::damage)
        .forEach(f -> damage.addObject().put("file", f.file()).put("message", f.message()));
    ArrayNode files = record.putArray("moves");
    moved.forEach(files::add);
    record.put("undo", "before any restart: move every file under this folder back to the"
        + " same path in the location");
    record.put("sinks", "a sink that skips batch ids it already committed (a file sink's"
        + " _spark_metadata, Delta, foreachBatch code keyed by batch id) skips the batches run"
        + " again");
    try (OutputStream o = fs.create(new Path(aside, "repair.json"), false)) {
      o.write((JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n")
          .getBytes(StandardCharsets.UTF_8));
    }
  }

  private static ObjectNode json(Path location, StructuredStreamingLocation before, Long n,
      List<String> moves, Path aside, boolean applied, boolean intactAfter) {
    ObjectNode root = JSON.createObjectNode();
    root.put("root", location.toString());
    root.put("kind", "structured-streaming");
    root.put("applied", applied);
    root.put("lastCommittedBefore", before.commits.isEmpty() ? null
        : before.commits.lastKey());
    root.put("toBatch", n);
    ArrayNode damage = root.putArray("damageBefore");
    before.findings.stream().filter(StructuredStreamingLocation.Finding::damage)
        .forEach(f -> damage.addObject().put("file", f.file()).put("message", f.message()));
    ArrayNode m = root.putArray("moves");
    moves.forEach(m::add);
    root.put("setAsideIn", aside == null ? null : aside.toString());
    root.put("intactAfter", intactAfter);
    return root;
  }

  private static Outcome refused(Path location, String why, int exit) {
    ObjectNode root = JSON.createObjectNode();
    root.put("root", location.toString());
    root.put("applied", false);
    root.put("refused", why);
    return new Outcome(exit, root, why + "\n");
  }
}
