package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;

/**
 * {@code verify PATH [--checksum]}: every {@code rdd-N} checkpoint under {@code PATH} (a root,
 * a {@code <uuid>} or an {@code rdd-N} directory) checked by {@link RddVerification}, and every
 * streaming metadata file of a root decoded; a Structured Streaming location is checked by
 * {@link StructuredStreamingLocation}. Exit code 0 only when everything is intact.
 */
final class VerifyCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  private VerifyCommand() {
  }

  static Outcome run(Arguments args, Progress progress) throws Arguments.UsageException,
      IOException {
    Path path = new Path(args.single("checkpoint path"));
    Configuration hadoopConf = args.hadoopConf();
    FileSystem fs = path.getFileSystem(hadoopConf);
    if (StructuredStreamingLocation.isOne(fs, path)) {
      return StructuredStreamingLocation.read(fs, path, progress, true).outcome(true);
    }
    SparkConf conf = args.sparkConf();
    boolean checksum = args.flag("checksum");
    CheckpointScan scan = CheckpointScan.of(path, fs, progress);
    List<RddVerification> results = new ArrayList<>();
    for (CheckpointScan.AppDir a : scan.appDirs) {
      for (CheckpointScan.Rdd r : a.rdds) {
        results.add(RddVerification.of(r, fs, conf, checksum));
      }
    }
    List<RddVerification.Problem> metadataProblems = new ArrayList<>();
    for (FileStatus s : scan.metadataFiles) {
      try {
        StreamingCheckpoint.of(MetadataFile.read(s.getPath(), hadoopConf, conf));
      } catch (IOException e) {
        metadataProblems.add(new RddVerification.Problem(s.getPath().toString(),
            "a complete serialized streaming Checkpoint", e.getMessage()));
      }
    }
    if (results.isEmpty() && scan.metadataFiles.isEmpty()) {
      return nothingToVerify(scan);
    }
    int problems = metadataProblems.size();
    int cannotTell = 0;
    for (RddVerification v : results) {
      problems += v.problems.size();
      cannotTell += v.problems.isEmpty() && !v.unread.isEmpty() ? 1 : 0;
    }
    String verdict = problems > 0 ? "damaged" : cannotTell > 0 ? "cannot tell" : "intact";
    ObjectNode root = JSON.createObjectNode();
    root.put("path", scan.root.toString());
    root.put("checksum", checksum);
    root.put("rddCheckpoints", results.size());
    root.put("metadataFiles", scan.metadataFiles.size());
    root.put("filesListed", scan.files);
    root.put("verdict", verdict);
    root.put("intact", verdict.equals("intact"));
    root.put("cannotTell", cannotTell);
    ArrayNode all = root.putArray("problems");
    ArrayNode rdds = root.putArray("rdds");
    StringBuilder text = new StringBuilder();
    for (RddVerification v : results) {
      ObjectNode n = rdds.addObject();
      n.put("dir", v.rdd.path.toString());
      n.put("check", v.structural ? "structural (no manifest)" : "manifest");
      n.put("partitions", v.rdd.parts.size());
      String rddVerdict = !v.problems.isEmpty() ? "damaged" : !v.unread.isEmpty()
          ? "cannot tell" : "intact";
      n.put("verdict", rddVerdict);
      n.put("intact", rddVerdict.equals("intact"));
      if (v.structural && v.recordsRead >= 0) {
        n.put("recordsRead", v.recordsRead);
      }
      if (v.hint != null) {
        n.put("hint", v.hint);
      }
      ArrayNode unread = n.putArray("unread");
      v.unread.forEach(unread::add);
      ArrayNode notes = n.putArray("notes");
      v.notes.forEach(notes::add);
      for (RddVerification.Problem p : v.problems) {
        all.addObject().put("file", p.file()).put("expected", p.expected())
            .put("found", p.found());
      }
      text.append(rddVerdict.equals("damaged") ? "DAMAGED " : rddVerdict.equals("intact")
          ? "OK      " : "UNKNOWN ").append(v.rdd.path)
          .append("  (").append(v.rdd.parts.size()).append(" partitions, ")
          .append(v.structural ? "structural check, no manifest" : "manifest"
              + (checksum ? " + CRC32C" : " sizes")).append(")\n");
      for (RddVerification.Problem p : v.problems) {
        text.append("  PROBLEM ").append(p.line()).append('\n');
      }
      for (String u : v.unread) {
        text.append("  UNREAD  ").append(u).append('\n');
      }
      if (v.hint != null) {
        text.append("  HINT    ").append(v.hint).append('\n');
      }
      for (String note : v.notes) {
        text.append("  note    ").append(note).append('\n');
      }
    }
    for (RddVerification.Problem p : metadataProblems) {
      all.addObject().put("file", p.file()).put("expected", p.expected()).put("found", p.found());
      text.append("DAMAGED ").append(p.file()).append("\n  PROBLEM ").append(p.line())
          .append('\n');
    }
    if (scan.metadataFiles.size() > metadataProblems.size()) {
      text.append("OK      ").append(scan.metadataFiles.size() - metadataProblems.size())
          .append(" streaming metadata files decode completely\n");
    }
    long structural = results.stream().filter(v -> v.structural).count();
    if (structural > 0) {
      root.put("structuralLimits", RddVerification.STRUCTURAL_LIMITS);
      text.append("note    ").append(structural).append(" checked structurally: ")
          .append(RddVerification.STRUCTURAL_LIMITS).append('\n');
    }
    text.append(problems > 0 ? "\n" + problems + " problems: " : cannotTell > 0
        ? "\nCannot tell: no damage found, but " + cannotTell + " RDD checkpoint"
            + (cannotTell == 1 ? " holds" : "s hold") + " records this class path cannot read"
            + " (UNREAD); of " : "\nAll intact: ")
        .append(results.size()).append(" RDD checkpoints, ").append(scan.metadataFiles.size())
        .append(" metadata files checked").append(checksum ? " (with checksums)" : "")
        .append('\n');
    return new Outcome(problems > 0 ? Exit.PROBLEMS : cannotTell > 0 ? Exit.CANNOT_TELL
        : Exit.OK, root, text.toString());
  }

  /**
   * A path with neither an RDD checkpoint nor a streaming metadata file: not "all intact" (a
   * mistyped path must not pass), but what the path holds.
   */
  private static Outcome nothingToVerify(CheckpointScan scan) {
    int appDirs = scan.appDirs.size();
    String holds = appDirs > 0 ? appDirs + " application director" + (appDirs == 1 ? "y" : "ies")
        + " (<uuid>) without rdd-N checkpoints" : scan.otherEntries.isEmpty() ? "nothing"
        : scan.otherEntries.size() + " entries, none a <uuid> directory, an rdd-N directory or"
        + " a checkpoint-<time> file (first: " + scan.otherEntries.get(0).getPath().getName()
        + ")";
    String message = scan.root + " holds no checkpoint to verify: " + holds;
    ObjectNode root = JSON.createObjectNode();
    root.put("path", scan.root.toString());
    root.put("rddCheckpoints", 0);
    root.put("metadataFiles", 0);
    root.put("intact", false);
    root.put("error", message);
    return new Outcome(Exit.ERROR, root, message + "\n");
  }
}
