package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * <p>Absolute paths the location holds are reported, not rewritten: a file source's log names
 * each input file by its absolute path, so a query restarted from the copy reads its input where
 * the log says. (A file sink's log is in its output directory, not in the location.)
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
    to.mkdirs(target);
    target = to.getFileStatus(target).getPath();
    String root = source.toUri().getPath();
    List<Copied> copied = new ArrayList<>();
    long bytes = 0;
    for (LocatedFileStatus f : files) {
      String rel = LocationView.relative(root, f.getPath());
      Path dest = new Path(target, rel);
      long crc = copyFile(from, f.getPath(), to, dest);
      progress.listed(source.toString());
      Checksum back = checksum(to, dest);
      boolean equal = back.bytes() == f.getLen() && back.crc32c() == crc;
      copied.add(new Copied(rel, f.getLen(), equal, equal ? null : "copied " + f.getLen()
          + " bytes, CRC32C " + Long.toHexString(crc) + "; read back " + back.bytes()
          + " bytes, CRC32C " + Long.toHexString(back.crc32c())));
      bytes += f.getLen();
    }
    StructuredStreamingLocation copy = StructuredStreamingLocation.read(to, target, progress,
        true);
    Map<String, TreeSet<String>> absolute = absolutePaths(from, source);
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
    absolute.forEach((log, dirs) -> out.append("note    ").append(log).append(" names its"
        + " input files by absolute path, under ").append(String.join(", ", dirs))
        .append(": a query restarted from the copy reads them there (not rewritten)\n"));

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
   * The directories of the input files each file source's log names by absolute path, by log
   * ({@code sources/<n>}): every entry's {@code "path"} after the version line.
   */
  static Map<String, TreeSet<String>> absolutePaths(FileSystem fs, Path location)
      throws IOException {
    Map<String, TreeSet<String>> dirs = new TreeMap<>();
    Path sources = new Path(location, "sources");
    if (!fs.isDirectory(sources)) {
      return dirs;
    }
    for (var source : fs.listStatus(sources)) {
      if (!source.isDirectory()) {
        continue;
      }
      for (var entry : fs.listStatus(source.getPath())) {
        if (entry.isDirectory() || entry.getPath().getName().startsWith(".")) {
          continue;
        }
        String text;
        try (InputStream in = fs.open(entry.getPath())) {
          text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String line : text.split("\n")) {
          if (!line.startsWith("{")) {
            continue;
          }
          try {
            JsonNode path = JSON.readTree(line).get("path");
            if (path != null && path.isTextual()) {
              Path file = new Path(path.asText());
              dirs.computeIfAbsent("sources/" + source.getPath().getName(),
                  k -> new TreeSet<>()).add(file.getParent().toString());
            }
          } catch (IOException | RuntimeException notAnEntry) {
            // Not a file source's entry (another source's log): nothing to report.
          }
        }
      }
    }
    return dirs;
  }

  private static Outcome refused(Path source, Path target, String why, int exit) {
    ObjectNode root = JSON.createObjectNode();
    root.put("source", source.toString());
    root.put("target", target.toString());
    root.put("refused", why);
    return new Outcome(exit, root, why + "\n");
  }
}
