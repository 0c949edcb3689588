package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.checkpointplus.spark.CheckpointPlusPlugin;
import io.checkpointplus.spark.config.Redaction;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;

/**
 * {@code show PATH}: a Spark Streaming metadata checkpoint, decoded without the application's
 * classes. {@code PATH} is a {@code checkpoint-<time>} file, or a checkpoint root, whose newest
 * readable metadata file is shown (the one a restart would use). A Structured Streaming query
 * location is {@link QueryLocationShow}'s.
 */
final class ShowCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ShowCommand() {
  }

  static Outcome run(Arguments args, Progress progress) throws Arguments.UsageException,
      IOException {
    Path path = new Path(args.single("metadata checkpoint file or checkpoint root"));
    Configuration hadoopConf = args.hadoopConf();
    org.apache.hadoop.fs.FileSystem fs = path.getFileSystem(hadoopConf);
    if (StructuredStreamingLocation.isOne(fs, path)) {
      return QueryLocationShow.run(fs, path, progress);
    }
    MetadataFile file = MetadataFiles.resolve(path, hadoopConf, args.sparkConf());
    StreamingCheckpoint cp = StreamingCheckpoint.of(file);
    return new Outcome(Exit.OK, json(file, cp), text(file, cp));
  }

  /** The saved configuration with Spark's redaction applied (its own regex if it saved one). */
  static Map<String, String> redactedConf(StreamingCheckpoint cp) {
    SparkConf saved = new SparkConf(false);
    cp.conf.forEach(saved::set);
    return Redaction.from(saved).apply(cp.conf);
  }

  /** Whether the saved {@code spark.plugins} names this plugin. */
  static boolean namesPlugin(StreamingCheckpoint cp) {
    String plugins = cp.conf.getOrDefault("spark.plugins", "");
    return Arrays.stream(plugins.split(",")).map(String::trim)
        .anyMatch(CheckpointPlusPlugin.class.getName()::equals);
  }

  static ObjectNode json(MetadataFile file, StreamingCheckpoint cp) {
    ObjectNode root = JSON.createObjectNode();
    root.put("file", file.path.toString());
    root.put("codec", file.codec);
    root.put("checkpointTimeMs", cp.checkpointTimeMs);
    root.put("checkpointTime", Instant.ofEpochMilli(cp.checkpointTimeMs).toString());
    root.put("master", cp.master);
    root.put("appName", cp.appName);
    root.put("checkpointDir", cp.checkpointDir);
    putMs(root, "checkpointIntervalMs", cp.checkpointIntervalMs);
    putMs(root, "batchDurationMs", cp.batchDurationMs);
    ArrayNode pending = root.putArray("pendingBatchTimesMs");
    cp.pendingTimesMs.forEach(pending::add);
    ArrayNode jars = root.putArray("jars");
    cp.jars.forEach(jars::add);
    ArrayNode streams = root.putArray("dstreams");
    for (StreamingCheckpoint.DStreamInfo d : cp.dstreams) {
      ObjectNode n = streams.addObject();
      n.put("id", d.id());
      n.put("class", d.className());
      n.put("input", d.input());
      n.put("output", d.output());
      putMs(n, "slideMs", d.slideMs());
      putMs(n, "rememberMs", d.rememberMs());
      putMs(n, "checkpointIntervalMs", d.checkpointIntervalMs());
      ArrayNode parents = n.putArray("parents");
      d.parents().forEach(parents::add);
      ArrayNode files = n.putArray("checkpointFiles");
      d.checkpointFiles().forEach(files::add);
    }
    root.put("pluginEnabled", namesPlugin(cp));
    ObjectNode conf = root.putObject("sparkConf");
    redactedConf(cp).forEach(conf::put);
    return root;
  }

  private static void putMs(ObjectNode n, String key, Long ms) {
    if (ms == null) {
      n.putNull(key);
    } else {
      n.put(key, ms);
    }
  }

  static String text(MetadataFile file, StreamingCheckpoint cp) {
    StringBuilder out = new StringBuilder();
    out.append("Streaming metadata checkpoint ").append(file.path)
        .append(" (codec ").append(file.codec).append(")\n");
    out.append("  checkpoint time     ").append(cp.checkpointTimeMs).append(" (")
        .append(Instant.ofEpochMilli(cp.checkpointTimeMs)).append(")\n");
    out.append("  application         ").append(cp.appName).append(" on ").append(cp.master)
        .append('\n');
    out.append("  checkpoint dir      ").append(cp.checkpointDir).append('\n');
    out.append("  batch duration      ").append(Table.ms(cp.batchDurationMs)).append('\n');
    out.append("  checkpoint interval ").append(Table.ms(cp.checkpointIntervalMs)).append('\n');
    out.append("  pending batches     ").append(cp.pendingTimesMs.isEmpty() ? "none"
        : cp.pendingTimesMs.toString()).append('\n');
    out.append("  checkpoint-plus     ").append(namesPlugin(cp)
        ? "named in spark.plugins" : "not in spark.plugins").append('\n');
    out.append("\nDStream graph (").append(cp.dstreams.size()).append(" DStreams)\n");
    Table t = new Table("id", "class", "slide", "remember", "checkpoint", "parents",
        "checkpoint files");
    for (StreamingCheckpoint.DStreamInfo d : cp.dstreams) {
      String cls = d.className().replace("org.apache.spark.streaming.dstream.", "")
          + (d.output() ? " (output)" : "") + (d.input() ? " (input)" : "");
      String interval = d.checkpointIntervalMs() == null ? "-"
          : d.checkpointIntervalMs() < 0 ? "yes" : d.checkpointIntervalMs() + " ms";
      t.row(d.id(), cls, Table.ms(d.slideMs()), Table.ms(d.rememberMs()), interval,
          d.parents().isEmpty() ? "-" : d.parents().toString(),
          d.checkpointFiles().isEmpty() ? "-" : String.join(" ", shortNames(d)));
    }
    t.appendTo(out, "  ");
    out.append("\nSaved configuration (redacted)\n");
    Table c = new Table("key", "value");
    redactedConf(cp).entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> c.row(e.getKey(), e.getValue()));
    c.appendTo(out, "  ");
    return out.toString();
  }

  private static java.util.List<String> shortNames(StreamingCheckpoint.DStreamInfo d) {
    java.util.List<String> names = new java.util.ArrayList<>();
    for (String f : d.checkpointFiles()) {
      Path p = new Path(f);
      names.add(p.getParent() == null ? p.getName() : p.getParent().getName() + "/"
          + p.getName());
    }
    return names;
  }
}
