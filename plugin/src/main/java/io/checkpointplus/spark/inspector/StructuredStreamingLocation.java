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
import io.checkpointplus.spark.activation.SparkRuntime;
import io.checkpointplus.spark.structured.QueryFile;
import io.checkpointplus.spark.structured.QueryFileCheck;
import io.checkpointplus.spark.structured.RocksDbSnapshot;

/**
 * A Structured Streaming checkpoint location, read only: the query id ({@code metadata}), the
 * offset and commit logs ({@code offsets/N}, {@code commits/N}: a version line, then JSON),
 * the sources' logs ({@code sources/}) and the state stores ({@code state/<operator>/<partition>/
 * <version>.delta|.snapshot|.zip|.changelog}, a join's stores one directory further down).
 * Finds batches with offsets but no commit, gaps in either log, entries that do not parse, and
 * state stores that cannot load the version the next batch needs (version = last committed batch
 * + 1: the newest snapshot at or below it and every delta or changelog after it; for RocksDB, the
 * SST and log files the snapshot's metadata names, with their sizes). {@code verify} also checks
 * every file against the integrity record the plugin wrote beside it ({@link QueryFileCheck}),
 * and says of each damaged file what it means for a restart.
 */
final class StructuredStreamingLocation {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BATCH = Pattern.compile("\\d+");
  private static final Pattern STATE_FILE = Pattern.compile(
      "(\\d+)\\.(delta|snapshot|zip|changelog)");
  /** RocksDB's checkpoint format v2 (Spark 4): {@code <version>_<id>.zip|.changelog}. */
  private static final Pattern STATE_FILE_V2 = Pattern.compile("\\d+_[^.]+\\.(zip|changelog)");

  /** One finding: the file it is about and what is wrong; damage or only a note. */
  record Finding(String file, String message, boolean damage) {
  }

  /** One stateful operator: per partition the state versions present. */
  record Operator(String id, Map<String, TreeSet<Long>> versions) {
  }

  /**
   * One state store directory ({@code state/<operator>/<partition>[/<store>]}): the versions of
   * each kind of file, and the sizes of its RocksDB immutable files ({@code SSTs/}, {@code logs/}).
   */
  record Store(Path dir, String operator, String partition, String name,
      TreeMap<Long, TreeSet<String>> versions, Map<String, Long> immutable) {
    String place() {
      return "partition " + partition + " of operator " + operator
          + (name == null ? "" : " (store " + name + ")");
    }
  }

  final Path path;
  String queryId;
  final TreeMap<Long, FileStatus> offsets = new TreeMap<>();
  final TreeMap<Long, FileStatus> commits = new TreeMap<>();
  /** The Spark a restart is assumed to run on: the one on the inspector's class path. */
  private static final SparkRuntime SPARK =
      SparkRuntime.of(StructuredStreamingLocation.class.getClassLoader());
  private boolean metadataMissing;
  final List<String> sources = new ArrayList<>();
  /** Each source's log entries' names, by source. */
  final Map<String, List<String>> sourceEntries = new TreeMap<>();
  final List<Operator> operators = new ArrayList<>();
  final List<Store> stores = new ArrayList<>();
  final List<Finding> findings = new ArrayList<>();
  /** Files checked against integrity records, by verdict ({@code verify} only). */
  final Map<QueryFileCheck.Verdict, Integer> checked = new TreeMap<>();
  /** Store directories in a layout this reader does not know (RocksDB format v2): not checked. */
  final java.util.Set<String> uncheckedStores = new java.util.TreeSet<>();

  private StructuredStreamingLocation(Path path) {
    this.path = path;
  }

  static boolean isOne(FileSystem fs, Path path) throws IOException {
    return fs.isDirectory(path) && (fs.isDirectory(new Path(path, "offsets"))
        || fs.isDirectory(new Path(path, "commits")));
  }

  static StructuredStreamingLocation read(FileSystem fs, Path path, Progress progress)
      throws IOException {
    return read(fs, path, progress, false);
  }

  /** Reads the location; {@code verify} also reads every file against its integrity record. */
  static StructuredStreamingLocation read(FileSystem fs, Path path, Progress progress,
      boolean verify) throws IOException {
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
      loc.metadataMissing = true;
    }
    loc.readLog(fs, new Path(path, "offsets"), loc.offsets, progress, true);
    loc.readLog(fs, new Path(path, "commits"), loc.commits, progress, false);
    if (loc.metadataMissing) {
      // Spark 4.2 refuses it (STREAMING_CHECKPOINT_MISSING_METADATA_FILE); earlier lines write
      // a new id. Verdicts are for the Spark on the inspector's class path.
      boolean refused = SPARK.sparkAtLeast(4, 2)
          && !(loc.offsets.isEmpty() && loc.commits.isEmpty());
      loc.findings.add(new Finding(meta.toString(), "missing: the query id file; " + (refused
          ? "the restart fails: Spark " + SPARK.sparkVersion() + " refuses a location whose"
              + " logs hold batches without it"
          : "a restart writes a new one and runs under a new query id"), refused));
    }
    loc.checkBatches();
    Path sources = new Path(path, "sources");
    if (fs.isDirectory(sources)) {
      for (FileStatus s : fs.listStatus(sources)) {
        progress.listed(sources.toString());
        loc.sources.add(s.getPath().getName());
        List<String> entries = new ArrayList<>();
        if (s.isDirectory()) {
          for (FileStatus e : fs.listStatus(s.getPath())) {
            if (BATCH.matcher(e.getPath().getName().replace(".compact", "")).matches()) {
              entries.add(e.getPath().getName());
            }
          }
        }
        loc.sourceEntries.put(s.getPath().getName(), entries);
      }
    }
    loc.readState(fs, new Path(path, "state"), progress);
    if (verify) {
      loc.checkRecords(fs, loc.path, progress);
    }
    for (String dir : loc.uncheckedStores) {
      loc.findings.add(new Finding(dir, "state in RocksDB's checkpoint format v2"
          + " (<version>_<id>.zip): its versions are not checked", false));
    }
    loc.explainLogDamage();
    return loc;
  }

  /** Adds to each damaged log entry found while reading the logs what it means for a restart. */
  private void explainLogDamage() {
    for (int i = 0; i < findings.size(); i++) {
      Finding x = findings.get(i);
      QueryFile.Kind kind = QueryFile.of(new Path(x.file())).kind();
      if (x.damage() && !x.message().contains("restart") && (kind == QueryFile.Kind.OFFSETS
          || kind == QueryFile.Kind.COMMITS || kind == QueryFile.Kind.METADATA
          || kind == QueryFile.Kind.SOURCE_LOG)) {
        findings.set(i, new Finding(x.file(), x.message() + "; "
            + restartMeaning(new Path(x.file())), true));
      }
    }
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
        String problem;
        try {
          problem = parseProblem(readText(fs, s.getPath()), isOffsets);
        } catch (org.apache.hadoop.fs.ChecksumException e) {
          problem = "fails its file system checksum (" + e.getMessage() + ")";
        }
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
    // Spark's CommitLog reads line 2 only, and takes a bare version line for an empty commit.
    int last = isOffsets ? lines.length : Math.min(lines.length, 2);
    for (int i = 1; i < last; i++) {
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
                : ", while later batch " + lastCommit + " is committed; no restart reads"
                    + " that commit"), false));
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
        String operator = op.getPath().getName();
        String partition = part.getPath().getName();
        TreeSet<Long> present = new TreeSet<>();
        Store store = readStore(fs, part.getPath(), operator, partition, null, progress);
        if (!store.versions().isEmpty()) {
          stores.add(store);
          present.addAll(store.versions().keySet());
        }
        for (FileStatus sub : fs.listStatus(part.getPath())) {
          String name = sub.getPath().getName();
          if (sub.isDirectory() && !IMMUTABLE_DIRS.contains(name) && !name.startsWith("_")) {
            Store named = readStore(fs, sub.getPath(), operator, partition, name, progress);
            if (!named.versions().isEmpty()) {
              stores.add(named); // a join's stores: state/<op>/<partition>/<store>
              present.addAll(named.versions().keySet());
            }
          }
        }
        versions.put(partition, present);
      }
      operators.add(new Operator(op.getPath().getName(), versions));
    }
    long next = nextBatch();
    if (next > 0) {
      int partitions = shufflePartitions(fs);
      for (Operator op : operators) {
        for (int p = 0; p < partitions; p++) {
          if (!op.versions().containsKey(String.valueOf(p))) {
            findings.add(new Finding(new Path(new Path(state, op.id()), String.valueOf(p))
                .toString(), "missing: the state of partition " + p + " of operator " + op.id()
                + " (the offset log pins " + partitions + " partitions); the restart fails when"
                + " batch " + next + " loads it", true));
          }
        }
      }
      for (Store store : stores) {
        checkLoadable(fs, store, next);
      }
    }
  }

  /**
   * The batch a restart runs first, as {@code MicroBatchExecution.populateStartOffsets} picks
   * it: the latest batch with offsets when it has no commit, else the one after it (-1 with no
   * offsets). It loads state version {@code nextBatch}.
   */
  long nextBatch() {
    if (offsets.isEmpty()) {
      return -1;
    }
    long last = offsets.lastKey();
    return commits.containsKey(last) ? last + 1 : last;
  }

  /**
   * {@code spark.sql.shuffle.partitions} as the latest offsets pin it (a restart keeps it), the
   * number of partitions of every stateful operator; 0 when it cannot be read.
   */
  private int shufflePartitions(FileSystem fs) {
    try {
      String[] lines = readText(fs, offsets.lastEntry().getValue().getPath()).split("\\n");
      JsonNode conf = lines.length > 1 ? JSON.readTree(lines[1]).get("conf") : null;
      JsonNode n = conf == null ? null : conf.get("spark.sql.shuffle.partitions");
      return n == null ? 0 : Integer.parseInt(n.asText());
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** RocksDB's immutable files, beside the versions in a store's directory. */
  private static final java.util.Set<String> IMMUTABLE_DIRS = java.util.Set.of("SSTs", "logs");

  private Store readStore(FileSystem fs, Path dir, String operator, String partition,
      String name, Progress progress) throws IOException {
    TreeMap<Long, TreeSet<String>> versions = new TreeMap<>();
    Map<String, Long> immutable = new TreeMap<>();
    for (FileStatus f : fs.listStatus(dir)) {
      progress.listed(dir.toString());
      String fileName = f.getPath().getName();
      Matcher m = STATE_FILE.matcher(fileName);
      if (f.isFile() && m.matches()) {
        versions.computeIfAbsent(Long.parseLong(m.group(1)), v -> new TreeSet<>())
            .add(m.group(2));
      } else if (f.isFile() && STATE_FILE_V2.matcher(fileName).matches()) {
        uncheckedStores.add(dir.toString());
      } else if (f.isDirectory() && IMMUTABLE_DIRS.contains(fileName)) {
        for (FileStatus i : fs.listStatus(f.getPath())) {
          immutable.put(fileName + "/" + i.getPath().getName(), i.getLen());
        }
      }
    }
    return new Store(dir, operator, partition, name, versions, immutable);
  }

  /**
   * Whether {@code store} can load {@code version} as Spark's providers do: from the newest
   * snapshot ({@code .snapshot}, RocksDB's {@code .zip}) at or below it, then every delta or
   * changelog after it (from version 1 when there is no snapshot); a finding names what is
   * missing and what it means for the restart.
   */
  private void checkLoadable(FileSystem fs, Store store, long version) throws IOException {
    Long snapshot = newestSnapshot(store, version);
    String meaning = "the state of " + store.place() + " at version " + version
        + ", which the next batch (" + version + ") loads, cannot be loaded: the"
        + " restart fails when it runs that batch";
    long from = snapshot == null ? 1 : snapshot + 1;
    for (long v = from; v <= version; v++) {
      TreeSet<String> kinds = store.versions().get(v);
      if (kinds == null || !(kinds.contains("delta") || kinds.contains("changelog"))) {
        findings.add(new Finding(new Path(store.dir(), v + (store.versions().values().stream()
            .anyMatch(k -> k.contains("zip") || k.contains("changelog")) ? ".changelog"
                : ".delta")).toString(), "missing, needed "
            + (snapshot == null ? "(no snapshot at or below version " + version + ")"
                : "after snapshot " + snapshot) + ": " + meaning, true));
        return;
      }
    }
    if (snapshot != null && store.versions().get(snapshot).contains("zip")) {
      checkRocksDbFiles(fs, store, new Path(store.dir(), snapshot + ".zip"), meaning);
    }
  }

  /** The SST and log files a RocksDB snapshot's metadata names: present, with their sizes. */
  private void checkRocksDbFiles(FileSystem fs, Store store, Path zip, String meaning)
      throws IOException {
    List<RocksDbSnapshot.ImmutableFile> named;
    try (InputStream in = fs.open(zip)) {
      named = RocksDbSnapshot.filesNamedBy(in.readNBytes(64 << 20));
    } catch (IOException e) {
      findings.add(new Finding(zip.toString(), "its metadata cannot be read (" + e.getMessage()
          + "): " + meaning, true));
      return;
    }
    for (RocksDbSnapshot.ImmutableFile f : named) {
      Long size = store.immutable().get(f.relativePath());
      if (size == null || size != f.bytes()) {
        findings.add(new Finding(new Path(store.dir(), f.relativePath()).toString(),
            (size == null ? "is missing" : "has " + size + " bytes") + "; " + zip.getName()
                + " names it with " + f.bytes() + " bytes: " + meaning, true));
      }
    }
  }

  /**
   * Reads every file Spark wrote (the query id, both logs, the sources' logs, the state
   * stores) against the integrity record the plugin wrote beside it.
   */
  private void checkRecords(FileSystem fs, Path location, Progress progress) throws IOException {
    List<Path> files = new ArrayList<>();
    org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> all =
        fs.listFiles(location, true);
    String root = location.toUri().getPath();
    while (all.hasNext()) {
      Path f = all.next().getPath();
      if (RepairCommand.isSetAside(root, f)) {
        continue; // files a repair moved out of the query's way
      }
      QueryFile file = QueryFile.of(f);
      if (file.kind() != QueryFile.Kind.OTHER && file.kind() != QueryFile.Kind.SINK_LOG) {
        files.add(f);
      }
    }
    progress.listed(location.toString());
    for (Path f : files) {
      QueryFileCheck check = QueryFileCheck.of(fs, f);
      checked.merge(check.verdict(), 1, Integer::sum);
      switch (check.verdict()) {
        case DAMAGED -> {
          String meaning = restartMeaning(f);
          findings.add(new Finding(f.toString(), "differs from what was committed: "
              + check.detail() + "; " + (meaning.contains("no restart reads it") ? meaning
              : check.byFileSystemChecksum() ? "the restart reads it without checking that"
                  + " checksum, and may fail or run on what the damaged bytes decode to"
              : check.bySparkChecksum() ? meaning + " (Spark checks it against that checksum"
                  + " file as it reads it; with"
                  + " spark.sql.streaming.checkpoint.fileChecksum.enabled=false it would read"
                  + " the damaged bytes unchecked)"
              : meaning + " (with the plugin, which checks it against its record; stock"
                  + " Spark reads it unchecked)"), true));
        }
        case UNREADABLE_RECORD, REWRITTEN -> findings.add(
            new Finding(f.toString(), check.detail() + ": read unchecked", false));
        default -> { }
      }
    }
  }

  /** What a damaged file means for the query's restart, by what the restart reads. */
  String restartMeaning(Path file) {
    QueryFile f = QueryFile.of(file);
    long lastOffsets = offsets.isEmpty() ? -1 : offsets.lastKey();
    long lastCommit = commits.isEmpty() ? -1 : commits.lastKey();
    switch (f.kind()) {
      case METADATA:
        return "every restart reads the query id here, past the plugin's check: it may fail"
            + " (if it no longer parses) or run under the id it reads";
      case OFFSETS:
        return f.batchId() >= lastOffsets - 1
            ? "the restart fails: it reads the two latest batches' offsets (with the plugin it"
                + " names this file; stock Spark, where nothing in it fails to parse, plans batch "
                + (lastOffsets > lastCommit ? lastOffsets : lastOffsets + 1)
                + " from wrong offsets instead)"
            : "no restart reads it (older than the two latest batches' offsets)";
      case COMMITS:
        return f.batchId() == lastCommit
            ? "the restart fails: it reads the latest commit"
            : "no restart reads it (not the latest commit)";
      case SOURCE_LOG:
        return sourceLogMeaning(file);
      case STATE:
        long next = nextBatch();
        for (Store store : stores) {
          if (file.getParent().equals(store.dir()) && next > 0) {
            Matcher m = STATE_FILE.matcher(file.getName());
            long v = m.matches() ? Long.parseLong(m.group(1)) : -1;
            if (!neededFor(store, next, v, file.getName())) {
              return "no restart reads it (the state of " + store.place() + " at version " + v
                  + " is not on the way to the version the next batch loads)";
            }
            return file.getName().endsWith(".snapshot")
                ? "the state of " + store.place() + " at version " + v + " is unreadable: the"
                    + " restart may fail when batch " + next + " loads it (Spark lines that"
                    + " repair state fall back to an older snapshot and replay the deltas)"
                : "the state of " + store.place() + " at version " + v + " is unreadable:"
                    + " the restart fails when batch " + next + " loads it";
          }
        }
        return "a state file the restart may read (schema or operator metadata): it may fail";
      default:
        return "";
    }
  }

  /**
   * What a restart does with a source's log entry: a file source (one entry a batch) reads its
   * log from the latest compaction ({@code N.compact}) on; another source (Kafka's one entry)
   * reads its initial offsets only when it has no offsets yet.
   */
  private String sourceLogMeaning(Path file) {
    long batch;
    try {
      batch = Long.parseLong(file.getName().replace(".compact", ""));
    } catch (NumberFormatException e) {
      return "the restart may read it: it may fail";
    }
    List<String> entries = sourceEntries.getOrDefault(file.getParent().getName(), List.of());
    long latestCompact = -1;
    for (String entry : entries) {
      if (entry.endsWith(".compact")) {
        latestCompact = Math.max(latestCompact, Long.parseLong(entry.replace(".compact", "")));
      }
    }
    if (entries.size() <= 1) {
      return "the restart may read it (a source's initial offsets, read while it has no"
          + " offsets yet): it may fail";
    }
    return batch >= latestCompact
        ? "the restart fails: the file source reads its log from the latest compaction on"
        : "no restart reads it (before the file source's latest compaction, " + latestCompact
            + ")";
  }

  /** The newest snapshot ({@code .snapshot}, RocksDB's {@code .zip}) at or below {@code version}. */
  private static Long newestSnapshot(Store store, long version) {
    for (Map.Entry<Long, TreeSet<String>> e : store.versions().headMap(version, true)
        .descendingMap().entrySet()) {
      if (e.getValue().contains("snapshot") || e.getValue().contains("zip")) {
        return e.getKey();
      }
    }
    return null;
  }

  /**
   * Whether loading {@code version} of {@code store} reads {@code fileName}, of version
   * {@code v}: the newest snapshot at or below it, and the deltas or changelogs after that.
   */
  private static boolean neededFor(Store store, long version, long v, String fileName) {
    Long snapshot = newestSnapshot(store, version);
    boolean isSnapshot = fileName.endsWith(".snapshot") || fileName.endsWith(".zip");
    if (isSnapshot) {
      return snapshot != null && v == snapshot;
    }
    return v <= version && v > (snapshot == null ? 0 : snapshot);
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
    if (verify) {
      ObjectNode records = root.putObject("integrityRecords");
      for (QueryFileCheck.Verdict v : QueryFileCheck.Verdict.values()) {
        records.put(v.name().toLowerCase(java.util.Locale.ROOT), checked.getOrDefault(v, 0));
      }
      ArrayNode st = root.putArray("stateStores");
      for (Store store : stores) {
        st.addObject().put("dir", store.dir().toString()).put("operator", store.operator())
            .put("partition", store.partition()).put("store", store.name())
            .put("newestVersion", store.versions().isEmpty() ? -1 : store.versions().lastKey());
      }
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
    if (verify) {
      int recorded = checked.getOrDefault(QueryFileCheck.Verdict.INTACT, 0)
          + checked.getOrDefault(QueryFileCheck.Verdict.DAMAGED, 0);
      out.append("  records  ").append(recorded).append(" files checked against their integrity"
          + " records, ").append(checked.getOrDefault(QueryFileCheck.Verdict.DAMAGED, 0))
          .append(" damaged; ").append(checked.getOrDefault(QueryFileCheck.Verdict.NO_RECORD, 0))
          .append(" without a record (written by stock Spark, or left to Spark's own"
              + " checksums)\n");
    }
    if (findings.isEmpty()) {
      out.append(verify ? "OK: logs contiguous and parsable, every state store can load the"
          + " version the next batch needs, every recorded file as committed\n" : "");
    } else if (!damaged()) {
      out.append('\n');
      for (Finding x : findings) {
        out.append("note    ").append(x.file()).append(": ").append(x.message()).append('\n');
      }
      out.append(verify ? "OK: no damage found; see the notes above for what was not checked\n"
          : "");
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
