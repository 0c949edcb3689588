package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;

/**
 * {@code list ROOT}: every application directory ({@code <uuid>}) under a checkpoint root with
 * its owner and whether it looks live, its {@code rdd-N} checkpoints (partitions, bytes,
 * records where a manifest has them, age), attempt leftovers, and the Spark Streaming metadata
 * files (which {@code <uuid>} directories they reference). A Structured Streaming checkpoint
 * location is listed by {@link StructuredStreamingLocation}.
 */
final class ListCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ListCommand() {
  }

  static Outcome run(Arguments args, Progress progress) throws Arguments.UsageException,
      IOException {
    Path path = new Path(args.single("checkpoint root"));
    Configuration hadoopConf = args.hadoopConf();
    FileSystem fs = path.getFileSystem(hadoopConf);
    if (StructuredStreamingLocation.isOne(fs, path)) {
      return StructuredStreamingLocation.read(fs, path, progress).outcome(false);
    }
    CheckpointScan scan = CheckpointScan.of(path, fs, progress);
    long now = System.currentTimeMillis();
    MetadataReferences refs = MetadataReferences.of(scan, hadoopConf, args.sparkConf());
    return new Outcome(Exit.OK, json(scan, refs, now), text(scan, refs, now));
  }

  /** What the root's streaming metadata files reference, and which of them read. */
  static final class MetadataReferences {
    /** {@code <uuid>} names any readable metadata file references. */
    final Set<String> uuidNames = new LinkedHashSet<>();
    /** {@code <uuid>} names the newest readable metadata file (what a restart uses) references. */
    final Set<String> latestUuidNames = new LinkedHashSet<>();
    final java.util.Map<Path, String> errors = new java.util.LinkedHashMap<>();
    final java.util.Map<Path, StreamingCheckpoint> decoded = new java.util.LinkedHashMap<>();
    Path latest;

    static MetadataReferences of(CheckpointScan scan, Configuration hadoopConf, SparkConf conf) {
      MetadataReferences refs = new MetadataReferences();
      for (FileStatus s : scan.metadataFiles) {
        try {
          StreamingCheckpoint cp = StreamingCheckpoint.of(MetadataFile.read(s.getPath(),
              hadoopConf, conf));
          refs.decoded.put(s.getPath(), cp);
          Set<String> names = new LinkedHashSet<>();
          for (String rdd : cp.referencedRddPaths()) {
            Path p = new Path(rdd);
            if (p.getParent() != null) {
              names.add(p.getParent().getName());
            }
          }
          refs.uuidNames.addAll(names);
          if (refs.latest == null) {
            refs.latest = s.getPath();
            refs.latestUuidNames.addAll(names);
          }
        } catch (IOException | RuntimeException e) {
          refs.errors.put(s.getPath(), e.getMessage());
        }
      }
      return refs;
    }
  }

  static ObjectNode json(CheckpointScan scan, MetadataReferences refs, long now) {
    ObjectNode root = JSON.createObjectNode();
    root.put("root", scan.root.toString());
    root.put("kind", "rdd-checkpoints");
    root.put("filesListed", scan.files);
    ArrayNode apps = root.putArray("applicationDirectories");
    for (CheckpointScan.AppDir a : scan.appDirs) {
      ObjectNode n = apps.addObject();
      n.put("dir", a.path.toString());
      n.put("name", a.path.getName());
      a.owner.ifPresent(o -> n.put("appId", o.appId()).put("appName", o.appName())
          .put("heartbeatMs", o.heartbeatMs()));
      n.put("lastSeenMs", a.lastSeen());
      n.put("ageMs", now - a.lastSeen());
      n.put("looksLive", a.looksLive(now));
      n.put("referencedByLatestMetadata", refs.latestUuidNames.contains(a.path.getName()));
      n.put("referencedByMetadata", refs.uuidNames.contains(a.path.getName()));
      n.put("bytes", a.bytes());
      ArrayNode rdds = n.putArray("rdds");
      for (CheckpointScan.Rdd r : a.rdds) {
        ObjectNode rn = rdds.addObject();
        rn.put("dir", r.path.toString());
        rn.put("rddId", r.id);
        rn.put("partitions", r.parts.size());
        rn.put("bytes", r.bytes());
        if (r.records() != null) {
          rn.put("records", r.records());
        } else {
          rn.putNull("records");
        }
        rn.put("manifest", r.manifest != null);
        if (r.manifestError != null) {
          rn.put("manifestError", r.manifestError);
        }
        rn.put("partitioner", r.partitioner);
        rn.put("ageMs", now - r.latestFileTime);
        ArrayNode attempts = rn.putArray("attemptFiles");
        r.attemptFiles.forEach(f -> attempts.add(f.getPath().getName()));
      }
    }
    ArrayNode meta = root.putArray("streamingMetadata");
    for (FileStatus s : scan.metadataFiles) {
      ObjectNode n = meta.addObject();
      n.put("file", s.getPath().getName());
      n.put("timeMs", MetadataFiles.time(s.getPath()));
      n.put("backup", MetadataFiles.isBackup(s.getPath()));
      n.put("bytes", s.getLen());
      n.put("readable", refs.decoded.containsKey(s.getPath()));
      n.put("usedByRestart", s.getPath().equals(refs.latest));
      if (refs.errors.containsKey(s.getPath())) {
        n.put("error", refs.errors.get(s.getPath()));
      }
      StreamingCheckpoint cp = refs.decoded.get(s.getPath());
      if (cp != null) {
        n.put("appName", cp.appName);
      }
    }
    ArrayNode other = root.putArray("otherEntries");
    for (FileStatus s : scan.otherEntries) {
      ObjectNode n = other.addObject();
      n.put("name", s.getPath().getName());
      n.put("directory", s.isDirectory());
      n.put("what", describeOther(s));
    }
    return root;
  }

  static String describeOther(FileStatus s) {
    String name = s.getPath().getName();
    if (name.equals("temp")) {
      return "streaming metadata being written, or left by an interrupted write";
    }
    if (name.equals("_checkpoint-plus-audit")) {
      return "the plugin's audit files";
    }
    if (name.equals("receivedBlockMetadata") || name.equals("receivedData")) {
      return "Spark Streaming write-ahead logs";
    }
    return s.isDirectory() ? "directory" : "file";
  }

  static String text(CheckpointScan scan, MetadataReferences refs, long now) {
    StringBuilder out = new StringBuilder();
    out.append("Checkpoint root ").append(scan.root).append(": ").append(scan.appDirs.size())
        .append(scan.appDirs.size() == 1 ? " application directory, "
            : " application directories, ").append(scan.metadataFiles.size())
        .append(" streaming metadata files, ").append(scan.files).append(" entries listed\n");
    for (CheckpointScan.AppDir a : scan.appDirs) {
      out.append('\n').append(a.path.getName()).append("  ");
      out.append(a.owner.map(o -> o.appName() + " (" + o.appId() + ")").orElse(
          "no owner marker (stock Spark or an older plugin)"));
      out.append(", ").append(a.looksLive(now) ? "LIVE" : "idle").append(", last seen ")
          .append(Table.age(now - a.lastSeen())).append(" ago, ").append(Table.bytes(a.bytes()));
      if (refs.latestUuidNames.contains(a.path.getName())) {
        out.append(", referenced by the latest streaming metadata");
      } else if (refs.uuidNames.contains(a.path.getName())) {
        out.append(", referenced by older streaming metadata");
      }
      out.append('\n');
      if (a.rdds.isEmpty()) {
        out.append("  (no rdd-N checkpoints)\n");
        continue;
      }
      Table t = new Table("rdd", "partitions", "bytes", "records", "manifest", "age",
          "leftovers");
      for (CheckpointScan.Rdd r : a.rdds) {
        t.row("rdd-" + r.id, r.parts.size(), Table.bytes(r.bytes()), r.records(),
            r.manifestError != null ? "UNREADABLE" : r.manifest != null ? "yes" : "no",
            Table.age(now - r.latestFileTime),
            r.attemptFiles.isEmpty() ? "-" : r.attemptFiles.size() + " attempt files");
      }
      t.appendTo(out, "  ");
    }
    if (!scan.metadataFiles.isEmpty()) {
      out.append("\nStreaming metadata (newest first; a restart uses the first readable one)\n");
      Table t = new Table("file", "bytes", "state");
      for (FileStatus s : scan.metadataFiles) {
        String state = s.getPath().equals(refs.latest) ? "readable, used by a restart"
            : refs.decoded.containsKey(s.getPath()) ? "readable"
            : "UNREADABLE: " + refs.errors.get(s.getPath());
        t.row(s.getPath().getName(), s.getLen(), state);
      }
      t.appendTo(out, "  ");
    }
    if (!scan.otherEntries.isEmpty()) {
      out.append("\nOther entries\n");
      Table t = new Table("name", "what");
      scan.otherEntries.forEach(s -> t.row(s.getPath().getName(), describeOther(s)));
      t.appendTo(out, "  ");
    }
    return out.toString();
  }
}
