package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code summary ROOT [--audit FILE]}: a few lines on what a run did, for a person: checkpoints
 * written (partitions read from cache versus recomputed), failures, streaming metadata written,
 * from the plugin's audit file; and what is on disk under the checkpoint root, checked against
 * the manifests (sizes). What the README's first command prints at its end.
 */
final class SummaryCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SummaryCommand() {
  }

  static Outcome run(Arguments args, Progress progress) throws Arguments.UsageException,
      IOException {
    Path root = new Path(args.single("checkpoint root"));
    Configuration hadoopConf = args.hadoopConf();
    FileSystem fs = root.getFileSystem(hadoopConf);
    ObjectNode json = JSON.createObjectNode();
    StringBuilder out = new StringBuilder("checkpoint-plus summary\n");
    CheckpointScan scan = CheckpointScan.of(root, fs, progress);
    Set<String> names = new LinkedHashSet<>();
    scan.appDirs.forEach(a -> a.owner.ifPresent(o -> names.add(o.appName())));
    String audit = args.options.get("audit");
    if (audit != null) {
      summarizeAudit(new Path(audit), hadoopConf, names, json, out);
    }
    int rdds = 0;
    int withManifest = 0;
    int problems = 0;
    long bytes = 0;
    for (CheckpointScan.AppDir a : scan.appDirs) {
      for (CheckpointScan.Rdd r : a.rdds) {
        rdds++;
        bytes += r.bytes();
        if (r.manifest != null || r.manifestError != null) {
          withManifest++;
          problems += RddVerification.of(r, fs, args.sparkConf(), false).problems.size();
        }
      }
    }
    json.put("root", scan.root.toString()).put("applicationDirectories", scan.appDirs.size())
        .put("rddCheckpointsOnDisk", rdds).put("bytesOnDisk", bytes)
        .put("metadataFilesOnDisk", scan.metadataFiles.size()).put("problems", problems)
        .put("rddCheckpointsWithManifest", withManifest)
        .put("rddCheckpointsWithoutManifest", rdds - withManifest);
    out.append("  on disk      ").append(root).append(": ").append(scan.appDirs.size())
        .append(scan.appDirs.size() == 1 ? " application directory, " : " application"
            + " directories, ").append(rdds).append(" rdd-N checkpoints (")
        .append(Table.bytes(bytes)).append("), ").append(scan.metadataFiles.size())
        .append(" streaming metadata files; ").append(checked(rdds, withManifest, problems))
        .append('\n');
    out.append("  inspect      bin/checkpoint-plus list|verify|show ").append(scan.root).append('\n');
    return new Outcome(problems == 0 ? Exit.OK : Exit.PROBLEMS, json, out.toString());
  }

  /**
   * What was checked on disk, and only that: manifests' sizes where there are manifests; a
   * checkpoint without one (stock Spark, no plugin) was only counted by its part files.
   */
  private static String checked(int rdds, int withManifest, int problems) {
    if (rdds == 0) {
      return "no rdd-N checkpoints: nothing to check";
    }
    if (problems > 0) {
      return problems + " PROBLEMS in " + withManifest + " checked against their manifests"
          + " (run verify)";
    }
    String without = withoutManifest(rdds - withManifest);
    return withManifest == 0 ? without : withManifest + (withManifest == 1
        ? " manifest checks out (sizes)" : " manifests check out (sizes)")
        + (withManifest == rdds ? "" : "; " + without);
  }

  private static String withoutManifest(int n) {
    return "no manifests: " + n + (n == 1 ? " checkpoint" : " checkpoints") + " written without"
        + " the plugin, counted by their part files only (contents not checked: run verify)";
  }

  private static void summarizeAudit(Path audit, Configuration hadoopConf, Set<String> names,
      ObjectNode json, StringBuilder out) throws IOException {
    long events = 0;
    long completed = 0;
    long failed = 0;
    long partitions = 0;
    long fromCache = 0;
    long recomputed = 0;
    long records = 0;
    long notCounted = 0;
    long bytes = 0;
    long metadata = 0;
    long cleaned = 0;
    Set<String> apps = new LinkedHashSet<>();
    String hook = null;
    FileSystem fs = audit.getFileSystem(hadoopConf);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(audit),
        StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode e;
        try {
          e = JSON.readTree(line);
        } catch (IOException ex) {
          continue; // a line being written
        }
        events++;
        if (e.hasNonNull("appId")) {
          apps.add(e.get("appId").asText());
        }
        switch (e.path("type").asText()) {
          case "checkpoint.completed" -> {
            completed++;
            partitions += e.path("partitions").asLong();
            fromCache += e.path("partitionsFromCache").asLong();
            recomputed += e.path("partitionsRecomputed").asLong();
            // A byte-copied partition's records are never deserialized, so never counted.
            records += e.path("records").asLong();
            notCounted += e.path("partitionsNotCounted").asLong();
            bytes += e.path("bytes").asLong();
          }
          case "checkpoint.failed" -> failed++;
          case "checkpoint.metadata" -> metadata++;
          case "checkpoint.cleaned" -> cleaned++;
          case "hook.status" -> hook = e.path("status").asText();
          default -> {
          }
        }
      }
    }
    json.put("audit", audit.toString()).put("auditEvents", events)
        .put("checkpointsWritten", completed).put("checkpointsFailed", failed)
        .put("partitions", partitions).put("partitionsFromCache", fromCache)
        .put("partitionsRecomputed", recomputed)
        .put("partitionsNotCounted", notCounted)
        .put("bytesWritten", bytes).put("metadataCheckpoints", metadata)
        .put("directoriesCleaned", cleaned);
    if (notCounted < partitions) {
      json.put("records", records);
    } else {
      json.putNull("records");
    }
    out.append("  application  ").append(names.isEmpty() ? "" : String.join(", ", names) + " ")
        .append(apps.isEmpty() ? "" : "(" + String.join(", ", apps) + ")")
        .append(", plugin ").append(hook == null ? "status unknown" : hook).append('\n');
    out.append("  checkpoints  ").append(completed).append(" written (").append(partitions)
        .append(" partitions: ").append(fromCache).append(" from cache, ").append(recomputed)
        .append(" recomputed; ").append(recordsText(records, notCounted, partitions))
        .append(", ").append(Table.bytes(bytes))
        .append("), ").append(failed).append(failed == 1 ? " failure" : " failures").append(", ")
        .append(metadata).append(" streaming metadata checkpoints\n");
    out.append("  audit        ").append(audit).append(" (").append(events).append(" events)\n");
  }

  /** The records written, or what is known of them where byte copy left them uncounted. */
  private static String recordsText(long records, long notCounted, long partitions) {
    if (notCounted == 0) {
      return records + " records";
    }
    if (notCounted >= partitions) {
      return "records not counted (" + notCounted + " partitions copied as bytes)";
    }
    return records + " records in the partitions counted (" + notCounted
        + " copied as bytes not counted)";
  }
}
