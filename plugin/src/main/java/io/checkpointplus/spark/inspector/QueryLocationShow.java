package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.checkpointplus.spark.config.Redaction;
import io.checkpointplus.spark.structured.IntegrityRecord;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.SparkConf;

/**
 * {@code show} on a Structured Streaming query location: what the location says about its
 * query, read as Spark reads it and without a Spark session. Per batch of the offset log its
 * watermark, timestamp and each source's offsets, and whether it is committed; the settings the
 * newest batch pins (Spark restores them on restart, whatever the new session sets); each
 * stateful operator with its name (Spark 3.5+'s operator metadata), partitions, stores, newest
 * version and key and value schema ({@code _metadata/schema}); and size by kind of file.
 *
 * <p>A location does not name its sink: Spark keeps none there (a file sink keeps its own log
 * in the output directory's {@code _spark_metadata}), and {@code show} says so rather than guess.
 * A file that does not parse is shown as such; {@code verify} says what that means.
 */
final class QueryLocationShow {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Batches listed one by one in the text; the JSON has every batch. */
  static final int BATCHES_IN_TEXT = 10;

  /** One batch of the offset log, as its entry reads. */
  record Batch(long id, boolean committed, Long watermarkMs, Long timestampMs,
      List<String> sourceOffsets, String problem) {
  }

  /** A state store's key and value schema, as Spark's schema file holds them. */
  record Schema(String key, String value, String problem) {
  }

  /** One stateful operator as {@code show} describes it. */
  record OperatorView(String id, String name, int partitions, List<String> stores,
      long newestVersion, Schema schema) {
  }

  private QueryLocationShow() {
  }

  static Outcome run(FileSystem fs, Path path, Progress progress) throws IOException {
    StructuredStreamingLocation loc = StructuredStreamingLocation.read(fs, path, progress);
    List<Batch> batches = new ArrayList<>();
    Map<String, String> pinned = new TreeMap<>();
    for (Map.Entry<Long, FileStatus> e : loc.offsets.entrySet()) {
      Batch b = batch(fs, e.getKey(), e.getValue().getPath(),
          loc.commits.containsKey(e.getKey()), e.getKey().equals(loc.offsets.lastKey())
              ? pinned : null);
      batches.add(b);
    }
    List<OperatorView> operators = new ArrayList<>();
    for (StructuredStreamingLocation.Operator op : loc.operators) {
      Path opDir = new Path(new Path(loc.path, "state"), op.id());
      List<String> stores = loc.stores.stream().filter(s -> s.operator().equals(op.id()))
          .map(s -> s.name() == null ? "default" : s.name()).distinct().sorted().toList();
      long newest = op.versions().values().stream().filter(v -> !v.isEmpty())
          .mapToLong(java.util.TreeSet::last).max().orElse(-1);
      String firstStore = stores.isEmpty() || stores.get(0).equals("default") ? null
          : stores.get(0);
      operators.add(new OperatorView(op.id(), operatorName(fs, opDir), op.versions().size(),
          stores, newest, schema(fs, opDir, firstStore)));
    }
    Map<String, long[]> sizes = sizesByKind(LocationView.everyFile(fs), loc.path);
    Map<String, String> redacted = Redaction.from(new SparkConf(false)).apply(pinned);
    return new Outcome(Exit.OK, json(loc, batches, redacted, operators, sizes),
        text(loc, batches, redacted, operators, sizes));
  }

  /**
   * Reads one offset log entry: {@code v<N>}, the metadata line (watermark, timestamp, pinned
   * settings, put into {@code pinned} when not null), then one line per source.
   */
  private static Batch batch(FileSystem fs, long id, Path file, boolean committed,
      Map<String, String> pinned) {
    String text;
    try (InputStream in = fs.open(file)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return new Batch(id, committed, null, null, List.of(), "unreadable: " + e.getMessage());
    }
    String problem = StructuredStreamingLocation.parseProblem(text, true);
    if (problem != null) {
      return new Batch(id, committed, null, null, List.of(), problem);
    }
    String[] lines = text.split("\n", -1);
    Long watermark = null;
    Long timestamp = null;
    try {
      JsonNode meta = JSON.readTree(lines[1]);
      watermark = meta.has("batchWatermarkMs") ? meta.get("batchWatermarkMs").asLong() : null;
      timestamp = meta.has("batchTimestampMs") ? meta.get("batchTimestampMs").asLong() : null;
      if (pinned != null && meta.has("conf")) {
        for (Iterator<Map.Entry<String, JsonNode>> it = meta.get("conf").fields();
            it.hasNext(); ) {
          Map.Entry<String, JsonNode> c = it.next();
          pinned.put(c.getKey(), c.getValue().asText());
        }
      }
    } catch (IOException e) {
      return new Batch(id, committed, null, null, List.of(), "metadata line does not parse");
    }
    List<String> offsets = new ArrayList<>();
    for (int i = 2; i < lines.length; i++) {
      if (!lines[i].isEmpty()) {
        offsets.add(lines[i]); // "-" for a source with no offset yet, as Spark writes it
      }
    }
    return new Batch(id, committed, watermark, timestamp, offsets, null);
  }

  /** The operator's name from Spark 3.5+'s {@code _metadata/metadata}, or null. */
  private static String operatorName(FileSystem fs, Path opDir) {
    Path file = new Path(new Path(opDir, "_metadata"), "metadata");
    try {
      if (!fs.exists(file)) {
        return null;
      }
      String text;
      try (InputStream in = fs.open(file)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      int newline = text.indexOf('\n');
      JsonNode meta = JSON.readTree(text.substring(newline + 1));
      JsonNode name = meta.path("operatorInfo").path("operatorName");
      return name.isMissingNode() ? null : name.asText();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The key and value schema of the operator's store ({@code store} null for the default),
   * from {@code <partition 0>/[<store>/]_metadata/schema}: Spark's schema file, version 1 (two
   * UTF strings) or 2 (each in chunks of UTF strings), after a UTF version string.
   */
  static Schema schema(FileSystem fs, Path opDir, String store) {
    Path dir = new Path(opDir, "0");
    if (store != null) {
      dir = new Path(dir, store);
    }
    Path file = new Path(new Path(dir, "_metadata"), "schema");
    try {
      if (!fs.exists(file)) {
        return null;
      }
      try (FSDataInputStream in = fs.open(file)) {
        String version = in.readUTF();
        String key;
        String value;
        switch (version) {
          case "v1" -> {
            key = in.readUTF();
            value = in.readUTF();
          }
          case "v2" -> {
            key = chunks(in);
            value = chunks(in);
          }
          default -> {
            return new Schema(null, null, file + ": schema format " + version
                + " is not one this inspector reads (v1, v2)");
          }
        }
        return new Schema(readable(JSON.readTree(key)), readable(JSON.readTree(value)), null);
      }
    } catch (IOException | RuntimeException e) {
      return new Schema(null, null, file + ": does not parse (" + e + ")");
    }
  }

  private static String chunks(DataInputStream in) throws IOException {
    StringBuilder s = new StringBuilder();
    int n = in.readInt();
    if (n < 0 || n > 10_000) {
      throw new IOException("implausible chunk count " + n);
    }
    for (int i = 0; i < n; i++) {
      s.append(in.readUTF());
    }
    return s.toString();
  }

  /** A Spark {@code DataType} in its JSON form, as Spark's {@code simpleString} would read. */
  static String readable(JsonNode type) {
    if (type.isTextual()) {
      // Spark's JSON names of these types; simpleString's names, as Spark shows schemas.
      return switch (type.asText()) {
        case "long" -> "bigint";
        case "integer" -> "int";
        case "short" -> "smallint";
        case "byte" -> "tinyint";
        default -> type.asText();
      };
    }
    switch (type.path("type").asText()) {
      case "struct" -> {
        List<String> fields = new ArrayList<>();
        for (JsonNode f : type.path("fields")) {
          fields.add(f.path("name").asText() + ":" + readable(f.path("type")));
        }
        return "struct<" + String.join(",", fields) + ">";
      }
      case "array" -> {
        return "array<" + readable(type.path("elementType")) + ">";
      }
      case "map" -> {
        return "map<" + readable(type.path("keyType")) + "," + readable(type.path("valueType"))
            + ">";
      }
      default -> {
        return type.toString();
      }
    }
  }

  /**
   * Files and bytes by kind: each top-level part of the location, the plugin's integrity
   * records and Hadoop's {@code .crc} checksums counted apart.
   */
  static Map<String, long[]> sizesByKind(FileSystem fs, Path location) throws IOException {
    Map<String, long[]> sizes = new LinkedHashMap<>();
    for (String kind : List.of("offsets", "commits", "sources", "state", "metadata",
        "integrity records", "checksums (.crc)", "other")) {
      sizes.put(kind, new long[2]);
    }
    String root = location.toUri().getPath();
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(location, true);
    while (files.hasNext()) {
      LocatedFileStatus f = files.next();
      String name = f.getPath().getName();
      String relative = LocationView.relative(root, f.getPath());
      String top = relative.contains("/") ? relative.substring(0, relative.indexOf('/'))
          : relative;
      String kind = IntegrityRecord.isRecordName(name) ? "integrity records"
          : name.endsWith(".crc") ? "checksums (.crc)"
          : sizes.containsKey(top) ? top : "other";
      long[] s = sizes.get(kind);
      s[0]++;
      s[1] += f.getLen();
    }
    sizes.values().removeIf(s -> s[0] == 0);
    return sizes;
  }

  private static ObjectNode json(StructuredStreamingLocation loc, List<Batch> batches,
      Map<String, String> pinned, List<OperatorView> operators, Map<String, long[]> sizes) {
    ObjectNode root = JSON.createObjectNode();
    root.put("root", loc.path.toString());
    root.put("kind", "structured-streaming");
    root.put("queryId", loc.queryId);
    if (!loc.commits.isEmpty()) {
      root.put("lastCommittedBatch", loc.commits.lastKey());
    }
    root.put("nextBatch", loc.nextBatch());
    ArrayNode sources = root.putArray("sources");
    for (String s : loc.sources) {
      sources.addObject().put("index", s).put("logEntries",
          loc.sourceEntries.getOrDefault(s, List.of()).size());
    }
    root.putNull("sink");
    root.put("sinkNote", "a checkpoint location does not name its sink; a file sink keeps its"
        + " log in its output directory's _spark_metadata");
    ObjectNode conf = root.putObject("pinnedSettings");
    pinned.forEach(conf::put);
    ArrayNode ops = root.putArray("stateOperators");
    for (OperatorView o : operators) {
      ObjectNode n = ops.addObject();
      n.put("operator", o.id());
      n.put("name", o.name());
      n.put("partitions", o.partitions());
      ArrayNode stores = n.putArray("stores");
      o.stores().forEach(stores::add);
      n.put("newestVersion", o.newestVersion());
      if (o.schema() != null) {
        n.put("keySchema", o.schema().key());
        n.put("valueSchema", o.schema().value());
        if (o.schema().problem() != null) {
          n.put("schemaProblem", o.schema().problem());
        }
      }
    }
    ArrayNode list = root.putArray("batches");
    for (Batch b : batches) {
      ObjectNode n = list.addObject();
      n.put("batch", b.id());
      n.put("committed", b.committed());
      n.put("watermarkMs", b.watermarkMs());
      n.put("timestampMs", b.timestampMs());
      ArrayNode offsets = n.putArray("sourceOffsets");
      b.sourceOffsets().forEach(offsets::add);
      if (b.problem() != null) {
        n.put("problem", b.problem());
      }
    }
    ObjectNode size = root.putObject("sizeByKind");
    sizes.forEach((k, v) -> size.putObject(k).put("files", v[0]).put("bytes", v[1]));
    return root;
  }

  private static String text(StructuredStreamingLocation loc, List<Batch> batches,
      Map<String, String> pinned, List<OperatorView> operators, Map<String, long[]> sizes) {
    StringBuilder out = new StringBuilder();
    out.append("Structured Streaming checkpoint ").append(loc.path).append('\n');
    out.append("  query id   ").append(loc.queryId == null ? "none (no metadata file)"
        : loc.queryId).append('\n');
    out.append("  batches    ").append(loc.offsets.isEmpty() ? "none"
        : loc.offsets.firstKey() + ".." + loc.offsets.lastKey()).append(", last committed ")
        .append(loc.commits.isEmpty() ? "none" : loc.commits.lastKey())
        .append(", a restart runs batch ").append(loc.nextBatch()).append('\n');
    out.append("  sources    ");
    if (loc.sources.isEmpty()) {
      out.append(batches.isEmpty() ? "none" : batches.get(batches.size() - 1)
          .sourceOffsets().size() + " (no source logs)");
    } else {
      List<String> s = new ArrayList<>();
      for (String index : loc.sources) {
        s.add(index + " (" + loc.sourceEntries.getOrDefault(index, List.of()).size()
            + " log entries)");
      }
      out.append(String.join(", ", s));
    }
    out.append('\n');
    out.append("  sink       not named in a checkpoint location (a file sink keeps its log in"
        + " <output>/_spark_metadata)\n");
    for (OperatorView o : operators) {
      out.append("  operator   ").append(o.id()).append(o.name() == null ? "" : " " + o.name())
          .append(": ").append(o.partitions()).append(" partitions, store")
          .append(o.stores().size() == 1 ? " " : "s ").append(String.join(", ", o.stores()))
          .append(", newest version ").append(o.newestVersion()).append('\n');
      if (o.schema() != null && o.schema().problem() == null) {
        out.append("             key   ").append(o.schema().key()).append('\n');
        out.append("             value ").append(o.schema().value()).append('\n');
      } else if (o.schema() != null) {
        out.append("             schema ").append(o.schema().problem()).append('\n');
      }
    }
    if (!pinned.isEmpty()) {
      out.append("\nSettings pinned by batch ").append(loc.offsets.lastKey())
          .append(" (a restart keeps these, whatever its session sets):\n");
      pinned.forEach((k, v) -> out.append("  ").append(k).append(" = ").append(v)
          .append('\n'));
    }
    if (!batches.isEmpty()) {
      int from = Math.max(0, batches.size() - BATCHES_IN_TEXT);
      out.append("\nbatch  committed  watermark      timestamp                 source offsets")
          .append(from > 0 ? " (last " + BATCHES_IN_TEXT + "; --json lists all)" : "")
          .append('\n');
      for (Batch b : batches.subList(from, batches.size())) {
        out.append(String.format("%-6d %-10s ", b.id(), b.committed() ? "yes" : "no"));
        if (b.problem() != null) {
          out.append(b.problem()).append('\n');
          continue;
        }
        out.append(String.format("%-14s %-25s %s%n", b.watermarkMs(),
            b.timestampMs() == null ? "-" : Instant.ofEpochMilli(b.timestampMs()).toString(),
            String.join(" | ", b.sourceOffsets())));
      }
    }
    out.append("\nSize by kind of file:\n");
    sizes.forEach((k, v) -> out.append(String.format("  %-18s %6d %-5s %12d bytes%n", k, v[0],
        v[0] == 1 ? "file" : "files", v[1])));
    return out.toString();
  }
}
