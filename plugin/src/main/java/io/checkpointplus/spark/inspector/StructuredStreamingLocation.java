package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A Structured Streaming checkpoint location, read only: the query id ({@code metadata}), the
 * offset and commit logs ({@code offsets/N}, {@code commits/N}: a version line, then JSON),
 * the sources' logs ({@code sources/}) and the state stores ({@code state/<operator>/<partition>/
 * <version>.delta|.snapshot|.zip|.changelog}). Finds batches with offsets but no commit, gaps in
 * either log, entries that do not parse, and partitions of a stateful operator without the state
 * version the last committed batch needs (version = batch + 1).
 */
final class StructuredStreamingLocation {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BATCH = Pattern.compile("\\d+");
  private static final Pattern STATE_FILE = Pattern.compile(
      "(\\d+)\\.(delta|snapshot|zip|changelog)");

  /** One finding: the file it is about and what is wrong; damage or only a note. */
  record Finding(String file, String message, boolean damage) {
  }

  /** One stateful operator: per partition the state versions present. */
  record Operator(String id, Map<String, TreeSet<Long>> versions) {
  }

  final Path path;
  String queryId;
  final TreeMap<Long, FileStatus> offsets = new TreeMap<>();
  final TreeMap<Long, FileStatus> commits = new TreeMap<>();
  final List<String> sources = new ArrayList<>();
  final List<Operator> operators = new ArrayList<>();
  final List<Finding> findings = new ArrayList<>();

  private StructuredStreamingLocation(Path path) {
    this.path = path;
  }

  static boolean isOne(FileSystem fs, Path path) throws IOException {
    return fs.isDirectory(path) && (fs.isDirectory(new Path(path, "offsets"))
        || fs.isDirectory(new Path(path, "commits")));
  }

  static StructuredStreamingLocation read(FileSystem fs, Path path, Progress progress)
      throws IOException {
    StructuredStreamingLocation loc = new StructuredStreamingLocation(
        fs.getFileStatus(path).getPath());
    Path meta = new Path(path, "metadata");
    if (fs.exists(meta)) {
      String text = readText(fs, meta);
      try {
        loc.queryId = JSON.readTree(text).get("id").asText();
      } catch (IOException | RuntimeException e) {
        loc.findings.add(new Finding(meta.toString(), "does not parse: expected {\"id\":...},"
            + " found " + abbreviate(text), true));
      }
    } else {
      loc.findings.add(new Finding(meta.toString(), "missing: the query id file", true));
    }
    loc.readLog(fs, new Path(path, "offsets"), loc.offsets, progress, true);
    loc.readLog(fs, new Path(path, "commits"), loc.commits, progress, false);
    loc.checkBatches();
    Path sources = new Path(path, "sources");
    if (fs.isDirectory(sources)) {
      for (FileStatus s : fs.listStatus(sources)) {
        progress.listed(sources.toString());
        loc.sources.add(s.getPath().getName());
      }
    }
    loc.readState(fs, new Path(path, "state"), progress);
    return loc;
  }

  private static String readText(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
    }
  }

  private static String abbreviate(String s) {
    String one = s.replace("\n", "\\n");
    return one.length() > 80 ? "'" + one.substring(0, 80) + "...'" : "'" + one + "'";
  }

  private void readLog(FileSystem fs, Path dir, TreeMap<Long, FileStatus> into,
      Progress progress, boolean isOffsets) throws IOException {
    if (!fs.isDirectory(dir)) {
      findings.add(new Finding(dir.toString(), "missing directory", true));
      return;
    }
    for (FileStatus s : fs.listStatus(dir)) {
      progress.listed(dir.toString());
      String name = s.getPath().getName();
      if (s.isFile() && BATCH.matcher(name).matches()) {
        into.put(Long.parseLong(name), s);
        String problem = parseProblem(readText(fs, s.getPath()), isOffsets);
        if (problem != null) {
          findings.add(new Finding(s.getPath().toString(), problem, true));
        }
      }
    }
  }

  /** Why a log entry does not parse, or null: a {@code v<N>} line, then JSON lines. */
  static String parseProblem(String text, boolean isOffsets) {
    if (text.isEmpty()) {
      return "is empty: expected a version line (v1) and JSON";
    }
    String[] lines = text.split("\n", -1);
    if (!lines[0].matches("v\\d+")) {
      return "first line is " + abbreviate(lines[0]) + ", expected a version such as v1";
    }
    int jsonLines = 0;
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty() && i == lines.length - 1) {
        continue;
      }
      if (isOffsets && line.equals("-")) {
        continue; // a source without an offset yet
      }
      try {
        JsonNode n = JSON.readTree(line);
        if (n == null) {
          return "line " + (i + 1) + " is empty, expected JSON";
        }
        jsonLines++;
      } catch (IOException e) {
        return "line " + (i + 1) + " is not JSON: " + abbreviate(line);
      }
    }
    if (jsonLines == 0 && !isOffsets) {
      return "has a version line but no JSON (torn write?)";
    }
    if (isOffsets && lines.length < 2) {
      return "has no offset metadata line";
    }
    return null;
  }

  private void checkBatches() {
    Long lastCommit = commits.isEmpty() ? null : commits.lastKey();
    for (Long b : offsets.keySet()) {
      if (!commits.containsKey(b)) {
        boolean pending = lastCommit == null || b > lastCommit;
        findings.add(new Finding(offsets.get(b).getPath().toString(), "batch " + b
            + " has offsets but no commit" + (pending
                ? ": it was running when the query stopped and is run again on restart"
                : ", while later batch " + lastCommit + " is committed"), !pending));
      }
    }
    for (Long b : commits.keySet()) {
      if (!offsets.containsKey(b) && !offsets.isEmpty() && b >= offsets.firstKey()) {
        findings.add(new Finding(commits.get(b).getPath().toString(), "batch " + b
            + " is committed but its offsets are missing", true));
      }
    }
    gaps(offsets, "offsets");
    gaps(commits, "commits");
  }

  private void gaps(TreeMap<Long, FileStatus> log, String name) {
    Long previous = null;
    for (Long b : log.keySet()) {
      if (previous != null && b != previous + 1) {
        findings.add(new Finding(new Path(path, name).toString(), "gap: batches "
            + (previous + 1) + (b - 1 > previous + 1 ? " to " + (b - 1) : "") + " missing"
            + " between " + previous + " and " + b, true));
      }
      previous = b;
    }
  }

  private void readState(FileSystem fs, Path state, Progress progress) throws IOException {
    if (!fs.isDirectory(state)) {
      return;
    }
    Long lastCommit = commits.isEmpty() ? null : commits.lastKey();
    for (FileStatus op : fs.listStatus(state)) {
      progress.listed(state.toString());
      if (!op.isDirectory() || !BATCH.matcher(op.getPath().getName()).matches()) {
        continue;
      }
      Map<String, TreeSet<Long>> versions = new TreeMap<>();
      for (FileStatus part : fs.listStatus(op.getPath())) {
        progress.listed(op.getPath().toString());
        if (!part.isDirectory() || !BATCH.matcher(part.getPath().getName()).matches()) {
          continue;
        }
        TreeSet<Long> present = new TreeSet<>();
        for (FileStatus f : fs.listStatus(part.getPath())) {
          progress.listed(part.getPath().toString());
          Matcher m = STATE_FILE.matcher(f.getPath().getName());
          if (f.isFile() && m.matches()) {
            present.add(Long.parseLong(m.group(1)));
          }
        }
        versions.put(part.getPath().getName(), present);
        if (lastCommit != null && !present.contains(lastCommit + 1)) {
          findings.add(new Finding(part.getPath().toString(), "state version "
              + (lastCommit + 1) + " (for last committed batch " + lastCommit + ") is missing;"
              + " versions present: " + (present.isEmpty() ? "none" : present.first() + ".."
                  + present.last()), true));
        }
      }
      operators.add(new Operator(op.getPath().getName(), versions));
    }
  }

  boolean damaged() {
    return findings.stream().anyMatch(Finding::damage);
  }

  /** This location as a subcommand's outcome; {@code verify} exits 1 on damage. */
  Outcome outcome(boolean verify) {
    ObjectNode root = JSON.createObjectNode();
    root.put("root", path.toString());
    root.put("kind", "structured-streaming");
    root.put("queryId", queryId);
    root.put("offsetBatches", offsets.size());
    root.put("commitBatches", commits.size());
    if (!offsets.isEmpty()) {
      root.put("firstOffsetBatch", offsets.firstKey()).put("lastOffsetBatch", offsets.lastKey());
    }
    if (!commits.isEmpty()) {
      root.put("lastCommittedBatch", commits.lastKey());
    }
    ArrayNode src = root.putArray("sources");
    sources.forEach(src::add);
    ArrayNode ops = root.putArray("stateOperators");
    for (Operator o : operators) {
      ObjectNode n = ops.addObject();
      n.put("operator", o.id());
      n.put("partitions", o.versions().size());
      long newest = o.versions().values().stream().filter(s -> !s.isEmpty())
          .mapToLong(TreeSet::last).max().orElse(-1);
      n.put("newestVersion", newest);
    }
    ArrayNode f = root.putArray("findings");
    for (Finding x : findings) {
      f.addObject().put("file", x.file()).put("message", x.message()).put("damage", x.damage());
    }
    root.put("intact", !damaged());
    StringBuilder out = new StringBuilder();
    out.append("Structured Streaming checkpoint ").append(path).append(" (query ")
        .append(queryId).append(")\n");
    out.append("  offsets  ").append(offsets.isEmpty() ? "none" : "batches " + offsets.firstKey()
        + ".." + offsets.lastKey() + " (" + offsets.size() + " files)").append('\n');
    out.append("  commits  ").append(commits.isEmpty() ? "none" : "batches " + commits.firstKey()
        + ".." + commits.lastKey() + " (" + commits.size() + " files)").append('\n');
    out.append("  sources  ").append(sources.isEmpty() ? "none" : String.join(", ", sources))
        .append('\n');
    for (Operator o : operators) {
      long newest = o.versions().values().stream().filter(s -> !s.isEmpty())
          .mapToLong(TreeSet::last).max().orElse(-1);
      out.append("  state    operator ").append(o.id()).append(": ")
          .append(o.versions().size()).append(" partitions, newest version ").append(newest)
          .append('\n');
    }
    if (findings.isEmpty()) {
      out.append(verify ? "OK: logs contiguous and parsable, state present for the last"
          + " committed batch\n" : "");
    } else {
      out.append('\n');
      for (Finding x : findings) {
        out.append(x.damage() ? "PROBLEM " : "note    ").append(x.file()).append(": ")
            .append(x.message()).append('\n');
      }
    }
    return new Outcome(verify && damaged() ? Exit.PROBLEMS : Exit.OK, root, out.toString());
  }
}
