package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.checkpointplus.spark.structured.IntegrityRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;

/**
 * {@code copy SOURCE TARGET [--idle D]}: a verified copy of a Structured Streaming query location
 * to another path or file system (local, HDFS, S3). Every file is copied (the plugin's integrity
 * records too; a file system's own checksum files are its own, made anew by the target's), each
 * copy is read back and compared with the source's size and CRC32C, and the copy is then
 * verified as a location. A target that exists with anything in it is refused: a copy never
 * overwrites. A source written within {@code --idle} is refused: a query may be running on it
 * ({@link QueryLocationGuard}).
 *
 * <p>Absolute paths the location holds are reported: a file source's log names each input file
 * by its absolute path (a query restarted from the copy takes the files the log names as
 * processed, and reads no other), and Spark 4's operator metadata ({@code
 * state/<op>/_metadata/v2/<batch>}, written for {@code transformWithState}) names its state
 * schema files by absolute path in the location itself, which a restart reads. Paths into the
 * location are always rewritten to the copy's; others only with {@code --rewrite-paths
 * FROM=TO}: every text value of those files' JSON entries that is FROM or a path under it is
 * then under TO, and the rewritten files' integrity records are written for their new bytes. A
 * FROM that no path is under is refused before anything is copied. (A file sink's log is in its
 * output directory, not in the location.)
 */
final class CopyCommand {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 1 << 16;

  private CopyCommand() {
  }

  /** One file's copy: its path relative to the location, and whether it read back equal. */
  record Copied(String relative, long bytes, boolean equal, String detail) {
  }

  static Outcome run(Arguments args, Progress progress) throws Arguments.UsageException,
      IOException {
    if (args.positional.size() != 2) {
      throw new Arguments.UsageException("copy takes a SOURCE location and a TARGET path, got "
          + args.positional.size() + (args.positional.isEmpty() ? "" : ": " + args.positional));
    }
    Path source = new Path(args.positional.get(0));
    Path target = new Path(args.positional.get(1));
    long idleMs = QueryLocationGuard.idleMs(args);
    String[] rewrite = rewriteOption(args);
    FileSystem from = source.getFileSystem(args.hadoopConf());
    FileSystem to = target.getFileSystem(args.hadoopConf());
    String notOne = QueryLocationGuard.notALocation(from, source);
    if (notOne != null) {
      return refused(source, target, notOne, Exit.USAGE);
    }
    source = from.getFileStatus(source).getPath();
    if (to.exists(target) && (!to.isDirectory(target) || to.listStatus(target).length > 0)) {
      return refused(source, target, target + " exists and is not an empty directory: copy"
          + " never overwrites; give a new path", Exit.USAGE);
    }
    // Spark's files and the plugin's records; checksum files stay the source file system's.
    List<LocatedFileStatus> files = LocationView.filesUnder(from, source);
    String recent = QueryLocationGuard.recentWrite(files, source, idleMs, "copy");
    if (recent != null) {
      return refused(source, target, recent, Exit.ERROR);
    }
    target = to.makeQualified(target);
    String root = source.toUri().getPath();
    // The files whose paths are rewritten, with their new bytes and new integrity records:
    // paths into the location itself (Spark 4's operator metadata names its schema files so)
    // always, to the copy's; others only as --rewrite-paths says.
    List<String[]> selfOnly = List.<String[]>of(new String[] {source.toString(),
        target.toString()});
    List<String[]> mappings = new ArrayList<>(selfOnly);
    if (rewrite != null) {
      mappings.add(rewrite);
    }
    Map<String, byte[]> rewritten = new TreeMap<>();
    Set<String> byOption = new TreeSet<>();
    for (LocatedFileStatus f : files) {
      String rel = LocationView.relative(root, f.getPath());
      if (namesPaths(rel)) {
        byte[] before = read(from, f.getPath());
        byte[] after = rewritePaths(before, mappings);
        if (rewrite != null && !java.util.Arrays.equals(after, rewritePaths(before, selfOnly))) {
          byOption.add(rel);
        }
        if (!java.util.Arrays.equals(before, after)) {
          rewritten.put(rel, after);
          Path asCopied = new Path(rel);
          rewritten.put(IntegrityRecord.pathFor(asCopied).toString(),
              IntegrityRecord.recordOf(asCopied.getName(), after));
        }
      }
    }
    if (rewrite != null && byOption.isEmpty()) {
      return refused(source, target, "--rewrite-paths " + rewrite[0] + "=" + rewrite[1]
          + ": no path in the location is under " + rewrite[0] + "; its files name paths under "
          + absolutePaths(from, source).values().stream().flatMap(TreeSet::stream).distinct()
              .toList() + " (give FROM as written there). Nothing was copied", Exit.USAGE);
    }
    to.mkdirs(target);
    List<Copied> copied = new ArrayList<>();
    long bytes = 0;
    for (LocatedFileStatus f : files) {
      String rel = LocationView.relative(root, f.getPath());
      Path dest = new Path(target, rel);
      byte[] newBytes = rewritten.get(rel);
      long crc;
      long length;
      if (newBytes == null) {
        crc = copyFile(from, f.getPath(), to, dest);
        length = f.getLen();
      } else {
        crc = write(to, dest, newBytes);
        length = newBytes.length;
      }
      progress.listed(source.toString());
      Checksum back = checksum(to, dest);
      boolean equal = back.bytes() == length && back.crc32c() == crc;
      copied.add(new Copied(rel, length, equal, equal ? null : "copied " + length
          + " bytes, CRC32C " + Long.toHexString(crc) + "; read back " + back.bytes()
          + " bytes, CRC32C " + Long.toHexString(back.crc32c())));
      bytes += length;
    }
    StructuredStreamingLocation copy = StructuredStreamingLocation.read(to, target, progress,
        true);
    // As the copy holds them: after a rewrite, what it names now.
    Map<String, TreeSet<String>> absolute = absolutePaths(to, target);
    long unequal = copied.stream().filter(c -> !c.equal()).count();
    boolean ok = unequal == 0 && !copy.damaged();

    StringBuilder out = new StringBuilder();
    out.append("Copied ").append(source).append("\n    to ").append(target).append(": ")
        .append(copied.size()).append(" files, ").append(bytes).append(" bytes, each read back")
        .append(unequal == 0 ? " equal to its source (size, CRC32C)" : ": " + unequal
            + " DIFFER").append('\n');
    copied.stream().filter(c -> !c.equal()).forEach(c -> out.append("PROBLEM ")
        .append(c.relative()).append(": ").append(c.detail()).append('\n'));
    out.append(copy.damaged() ? "The copy does not verify:\n" : "The copy verifies as a"
        + " location: a restart from it runs batch " + copy.nextBatch() + "\n");
    copy.findings.stream().filter(StructuredStreamingLocation.Finding::damage)
        .forEach(x -> out.append("PROBLEM ").append(x.file()).append(": ").append(x.message())
            .append('\n'));
    absolute.forEach((log, dirs) -> out.append("note    ").append(log).append(log
        .startsWith("sources/") ? " names its input files" : " names its state schema files")
        .append(" by absolute path, under ").append(String.join(", ", dirs))
        .append(!log.startsWith("sources/") ? " (the copy's own: rewritten)"
            : rewrite == null ? ": a query restarted from the copy reads them there (add"
                + " --rewrite-paths FROM=TO to rewrite them)" : "").append('\n'));
    if (!rewritten.isEmpty()) {
      out.append("Rewrote paths in ")
          .append(rewritten.keySet().stream().filter(r -> !r.endsWith(".integrity")).count())
          .append(" files (").append(rewrite == null ? "" : rewrite[0] + " to " + rewrite[1]
              + ", ").append(source).append(" to ").append(target)
          .append("; their integrity records written anew):\n");
      rewritten.keySet().stream().filter(r -> !r.endsWith(".integrity"))
          .forEach(r -> out.append("  ").append(r).append('\n'));
    }

    ObjectNode json = JSON.createObjectNode();
    json.put("source", source.toString());
    json.put("target", target.toString());
    json.put("files", copied.size());
    json.put("bytes", bytes);
    json.put("filesDiffering", unequal);
    ArrayNode differing = json.putArray("differing");
    copied.stream().filter(c -> !c.equal()).forEach(c -> differing.addObject()
        .put("file", c.relative()).put("detail", c.detail()));
    json.put("targetIntact", !copy.damaged());
    ArrayNode rewrote = json.putArray("rewritten");
    rewritten.keySet().stream().filter(r -> !r.endsWith(".integrity")).forEach(rewrote::add);
    ObjectNode abs = json.putObject("absolutePaths");
    absolute.forEach((log, dirs) -> {
      ArrayNode a = abs.putArray(log);
      dirs.forEach(a::add);
    });
    return new Outcome(ok ? Exit.OK : Exit.PROBLEMS, json, out.toString());
  }

  /** Copies one file, returning the CRC32C of the bytes read from the source. */
  private static long copyFile(FileSystem from, Path src, FileSystem to, Path dest)
      throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buffer = new byte[BUFFER];
    to.mkdirs(dest.getParent());
    try (InputStream in = from.open(src); OutputStream out = to.create(dest, false)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        crc.update(buffer, 0, n);
        out.write(buffer, 0, n);
      }
    }
    return crc.getValue();
  }

  record Checksum(long bytes, long crc32c) {
  }

  private static Checksum checksum(FileSystem fs, Path p) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buffer = new byte[BUFFER];
    long bytes = 0;
    try (InputStream in = fs.open(p)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        crc.update(buffer, 0, n);
        bytes += n;
      }
    }
    return new Checksum(bytes, crc.getValue());
  }

  /**
   * {@code --rewrite-paths FROM=TO} as {FROM, TO}, or {@code null} without it. FROM may hold
   * {@code =} (a {@code date=2026-12-07} directory): the split is at the first {@code =} that
   * a path (a scheme or {@code /}) follows.
   */
  private static String[] rewriteOption(Arguments args) throws Arguments.UsageException {
    String v = args.options.get("rewrite-paths");
    if (v == null) {
      return null;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("=(?=[A-Za-z][A-Za-z0-9+.-]*:|/)").matcher(v);
    if (!m.find() || m.start() == 0) {
      throw new Arguments.UsageException("--rewrite-paths '" + v + "': expected FROM=TO, two"
          + " path prefixes, FROM as the location's files write it (copy reports them, e.g."
          + " file:/data/in) and TO a path, e.g. file:/data/in=s3a://bucket/in");
    }
    return new String[] {trimSlash(v.substring(0, m.start())), trimSlash(v.substring(m.end()))};
  }

  private static String trimSlash(String prefix) {
    return prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1)
        : prefix;
  }

  /**
   * Whether the file at {@code relative} names paths in its JSON entries: a source's log
   * ({@code sources/<n>/<batch>[.compact]}) or Spark 4's operator metadata
   * ({@code state/<op>/_metadata/v2/<batch>}).
   */
  static boolean namesPaths(String relative) {
    String[] parts = relative.split("/");
    String name = parts[parts.length - 1];
    if (name.startsWith(".")) {
      return false;
    }
    return parts.length == 3 && parts[0].equals("sources")
        || parts.length == 5 && parts[0].equals("state") && parts[2].equals("_metadata")
            && parts[3].equals("v2");
  }

  /**
   * {@code content} (a version line, then one JSON object a line) with every text value that
   * is a path under a mapping's FROM ({@code FROM} itself or {@code FROM/...}) under its TO
   * instead, the first mapping that applies; other lines as they are.
   */
  static byte[] rewritePaths(byte[] content, List<String[]> mappings) {
    String text = new String(content, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", -1);
    boolean changed = false;
    for (int i = 0; i < lines.length; i++) {
      if (!lines[i].startsWith("{")) {
        continue;
      }
      try {
        JsonNode entry = JSON.readTree(lines[i]);
        if (replaceTexts(entry, mappings)) {
          lines[i] = JSON.writeValueAsString(entry);
          changed = true;
        }
      } catch (IOException notJson) {
        // Not an entry: left as it is.
      }
    }
    return changed ? String.join("\n", lines).getBytes(StandardCharsets.UTF_8) : content;
  }

  /** {@code value} with a mapping's FROM replaced by its TO, or {@code null}: none applies. */
  private static String rewritten(String value, List<String[]> mappings) {
    for (String[] m : mappings) {
      if (value.equals(m[0]) || value.startsWith(m[0] + "/")) {
        return m[1] + value.substring(m[0].length());
      }
    }
    return null;
  }

  private static boolean replaceTexts(JsonNode node, List<String[]> mappings) {
    boolean changed = false;
    if (node instanceof ObjectNode object) {
      var fields = object.fields();
      while (fields.hasNext()) {
        var field = fields.next();
        JsonNode v = field.getValue();
        String r = v.isTextual() ? rewritten(v.asText(), mappings) : null;
        if (r != null) {
          field.setValue(JSON.getNodeFactory().textNode(r));
          changed = true;
        } else {
          changed |= replaceTexts(v, mappings);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        JsonNode v = array.get(i);
        String r = v.isTextual() ? rewritten(v.asText(), mappings) : null;
        if (r != null) {
          array.set(i, JSON.getNodeFactory().textNode(r));
          changed = true;
        } else {
          changed |= replaceTexts(v, mappings);
        }
      }
    }
    return changed;
  }

  private static byte[] read(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  /** Writes {@code content} as a new file, returning its CRC32C. */
  private static long write(FileSystem fs, Path dest, byte[] content) throws IOException {
    fs.mkdirs(dest.getParent());
    try (OutputStream out = fs.create(dest, false)) {
      out.write(content);
    }
    CRC32C crc = new CRC32C();
    crc.update(content, 0, content.length);
    return crc.getValue();
  }

  /**
   * The directories the location's files name by absolute path, by file kind: each file
   * source's log ({@code sources/<n>}: its entries' {@code "path"}) and Spark 4's operator
   * metadata ({@code state/<op>/_metadata/v2}: {@code "stateSchemaFilePath"}), each directory as
   * the files write it (so that it can be given to {@code --rewrite-paths} as it is).
   */
  static Map<String, TreeSet<String>> absolutePaths(FileSystem fs, Path location)
      throws IOException {
    Map<String, TreeSet<String>> dirs = new TreeMap<>();
    String root = location.toUri().getPath();
    for (LocatedFileStatus f : LocationView.filesUnder(fs, location)) {
      String rel = LocationView.relative(root, f.getPath());
      if (!namesPaths(rel)) {
        continue;
      }
      String key = rel.substring(0, rel.lastIndexOf('/'));
      for (String line : new String(read(fs, f.getPath()), StandardCharsets.UTF_8).split("\n")) {
        if (!line.startsWith("{")) {
          continue;
        }
        try {
          List<String> paths = new ArrayList<>();
          collectPaths(JSON.readTree(line), null, paths);
          for (String p : paths) {
            if (p.lastIndexOf('/') > 0) {
              dirs.computeIfAbsent(key, k -> new TreeSet<>()).add(p.substring(0,
                  p.lastIndexOf('/')));
            }
          }
        } catch (IOException | RuntimeException notAnEntry) {
          // Not a JSON entry: nothing to report.
        }
      }
    }
    return dirs;
  }

  /**
   * The text values of {@code node} under a field whose name ends with {@code path} or
   * {@code paths} (a file source entry's {@code path}; Spark 4's
   * {@code stateStoreInfo[].stateSchemaFilePaths}).
   */
  private static void collectPaths(JsonNode node, String field, List<String> out) {
    boolean pathField = field != null && field.toLowerCase(java.util.Locale.ROOT)
        .matches(".*paths?");
    if (node.isTextual() && pathField) {
      out.add(node.asText());
    } else if (node.isArray()) {
      node.forEach(v -> collectPaths(v, field, out));
    } else if (node.isObject()) {
      node.fields().forEachRemaining(e -> collectPaths(e.getValue(), e.getKey(), out));
    }
  }

  private static Outcome refused(Path source, Path target, String why, int exit) {
    ObjectNode root = JSON.createObjectNode();
    root.put("source", source.toString());
    root.put("target", target.toString());
    root.put("refused", why);
    return new Outcome(exit, root, why + "\n");
  }
}
