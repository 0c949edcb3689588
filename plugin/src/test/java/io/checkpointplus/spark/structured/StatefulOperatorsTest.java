package io.checkpointplus.spark.structured;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.function.FlatMapGroupsWithStateFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.GroupState;
import org.apache.spark.sql.streaming.GroupStateTimeout;
import org.apache.spark.sql.streaming.OutputMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The stateful operators users write, each on the state store providers it is run with, against
 * stock Spark: aggregation, {@code dropDuplicates}, {@code flatMapGroupsWithState} (Java API, no
 * timeout), a stream-stream inner join with watermarks, and an aggregation of the rate source.
 *
 * <p>Each case runs three times (two restarts, new input before each) into three locations: one
 * by stock Spark alone, one by the plugin alone, and one by the plugin, then stock Spark, then
 * the plugin again. All cases share the six SparkContexts (one stock and one with the plugin per
 * round; each restart is a new context, which reads its state from files as a restarted
 * application does), and each case runs in its own session, with its provider set there. A
 * copy of the join's location with a state file of a nested store damaged fails the last
 * restart, naming the file.
 */
class StatefulOperatorsTest {
  @TempDir
  static Path tmp;

  /** The state store providers Spark ships, as a session sets them. */
  enum Provider {
    HDFS(Map.of()),
    /** RocksDB as it is by default: a snapshot zip (and SST files) per version. */
    ROCKSDB(Map.of(PROVIDER_CLASS, ROCKSDB_CLASS)),
    /** RocksDB with changelog checkpointing (Spark 3.5+): a changelog per version. */
    ROCKSDB_CHANGELOG(Map.of(PROVIDER_CLASS, ROCKSDB_CLASS,
        "spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled", "true"));

    final Map<String, String> settings;

    Provider(Map<String, String> settings) {
      this.settings = settings;
    }

    /** The file each store writes per version on this Spark line. */
    String versionFile() {
      if (this == HDFS) {
        return ".delta";
      }
      return this == ROCKSDB
          || org.apache.spark.package$.MODULE$.SPARK_VERSION().startsWith("3.4.") ? ".zip"
          : ".changelog";
    }
  }

  private static final String PROVIDER_CLASS = "spark.sql.streaming.stateStore.providerClass";
  private static final String ROCKSDB_CLASS =
      "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider";

  private static final int ROUNDS = 3;
  /** The words each round adds (one file, one micro-batch). */
  private static final List<List<String>> WORDS = List.of(List.of("x", "y", "x", "z"),
      List.of("x", "w"), List.of("x", "v"));
  /** Join input, "key,seconds" lines of each side, by round. */
  private static final List<List<String>> LEFT = List.of(List.of("x,10", "y,12", "z,20"),
      List.of("w,40"), List.of("v,50"));
  private static final List<List<String>> RIGHT = List.of(List.of("x,11", "y,30", "z,21"),
      List.of("x,35"), List.of("w,41", "v,52"));

  /** One stateful query on one state store provider. */
  static final class Case {
    final String name;
    final Provider provider;
    /** Session settings besides the provider's. */
    final Map<String, String> settings;
    final Function<SparkSession, Dataset<Row>> query;
    final String outputMode;
    /** Folders under the location holding each state store of the query. */
    final List<String> stores;
    /** Output of the last round that only state carried through both restarts gives. */
    final String lastRoundShows;
    /** The query's output per location ("stock", "plugin", "mixed"), one list per round. */
    final Map<String, List<List<String>>> output = new LinkedHashMap<>();
    Exception failure;

    Case(String name, Provider provider, Function<SparkSession, Dataset<Row>> query,
        String outputMode, List<String> stores, String lastRoundShows) {
      this(name, provider, Map.of(), query, outputMode, stores, lastRoundShows);
    }

    Case(String name, Provider provider, Map<String, String> settings,
        Function<SparkSession, Dataset<Row>> query, String outputMode, List<String> stores,
        String lastRoundShows) {
      this.name = name;
      this.provider = provider;
      this.settings = settings;
      this.query = query;
      this.outputMode = outputMode;
      this.stores = stores;
      this.lastRoundShows = lastRoundShows;
    }

    Path location(String kind) {
      return tmp.resolve(name).resolve(kind);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static final List<Case> CASES = new ArrayList<>();

  /** The folder of each state store of an operator with one store per shuffle partition. */
  private static final List<String> ONE_STORE = List.of("state/0/0", "state/0/1");

  static List<Case> cases() {
    return CASES;
  }

  @BeforeAll
  static void runEveryCaseThreeTimes() throws Exception {
    Path words = tmp.resolve("words");
    Path left = tmp.resolve("left");
    Path right = tmp.resolve("right");
    for (Provider provider : Provider.values()) {
      String on = "-" + provider.name().toLowerCase(java.util.Locale.ROOT);
      CASES.add(new Case("aggregation" + on, provider,
          s -> lines(s, words).groupBy("value").count(), "update", ONE_STORE, "[v=1, x=4]"));
      if (provider != Provider.ROCKSDB_CHANGELOG) {
        CASES.add(new Case("dropDuplicates" + on, provider,
            s -> lines(s, words).dropDuplicates("value"), "append", ONE_STORE, ": [v]"));
      }
    }
    CASES.add(new Case("flatMapGroupsWithState-hdfs", Provider.HDFS,
        s -> runningCounts(lines(s, words)), "update", ONE_STORE, "[v=1, x=4]"));
    // One shuffle partition: each has four state stores (keyToNumValues and keyWithIndexToValue
    // of each side), and a batch that changes the watermark is followed by one without data.
    List<String> joinStores = new ArrayList<>();
    for (String side : List.of("left", "right")) {
      for (String store : List.of("keyToNumValues", "keyWithIndexToValue")) {
        joinStores.add("state/0/0/" + side + "-" + store);
      }
    }
    Case join = new Case("streamStreamJoin-hdfs", Provider.HDFS,
        Map.of("spark.sql.shuffle.partitions", "1"), s -> join(s, left, right), "append",
        joinStores, "w=40=41");
    CASES.add(join);
    Case rocksDbJoin = new Case("streamStreamJoin-rocksdb", Provider.ROCKSDB,
        Map.of("spark.sql.shuffle.partitions", "1"), s -> join(s, left, right), "append",
        joinStores, "w=40=41");
    CASES.add(rocksDbJoin);
    // The rate source whose batches do not depend on the clock (rate-micro-batch, Spark 3.3+),
    // so that each run with AvailableNow is one batch of the next 4 values: after three runs,
    // values 0..11 seen once each (evens sum to 30, odds to 36) prove restarts resumed with no
    // gap and no repeat. format("rate") offsets are whole seconds since the query first
    // started: an AvailableNow run reads only what the clock has made available, and a test of
    // it would wait for the clock.
    CASES.add(new Case("rate-hdfs", Provider.HDFS,
        s -> s.readStream().format("rate-micro-batch").option("rowsPerBatch", 4)
            .option("numPartitions", 1).load().groupBy(expr("value % 2 AS parity"))
            .agg(count("*"), sum("value")), "update", ONE_STORE, "[0=6=30, 1=6=36]"));

    Path audit = tmp.resolve("audit.jsonl");
    for (int round = 0; round < ROUNDS; round++) {
      addInput(words, round, WORDS);
      addInput(left, round, LEFT);
      addInput(right, round, RIGHT);
      boolean stockRound = round == 1;
      boolean lastRound = round == ROUNDS - 1;
      if (lastRound) {
        damage(join.location("plugin"), join.location("damaged"));
        missingSst = withoutAnSst(rocksDbJoin.location("plugin"), rocksDbJoin.location("damaged"));
      }
      StatefulQuery.inContext(false, audit, Map.of(), sc -> runAll(sc, "stock",
          stockRound ? "mixed" : null));
      StatefulQuery.inContext(true, audit, Map.of(), sc -> {
        runAll(sc, "plugin", stockRound ? null : "mixed");
        if (lastRound) {
          try {
            StatefulQuery.run(join.query.apply(session(sc, join)), join.outputMode,
                join.location("damaged").toString());
          } catch (Exception e) {
            damagedJoinFailure = ExceptionUtils.getStackTrace(e);
          }
          try {
            StatefulQuery.run(rocksDbJoin.query.apply(session(sc, rocksDbJoin)),
                rocksDbJoin.outputMode, rocksDbJoin.location("damaged").toString());
          } catch (Exception e) {
            missingSstFailure = ExceptionUtils.getStackTrace(e);
          }
        }
        return null;
      });
    }
  }

  /** A state file of the join's left side, read when its stores are loaded again. */
  private static final String DAMAGED_STATE = "state/0/0/left-keyWithIndexToValue/1.delta";
  /** How the join failed on a copy of its location with {@link #DAMAGED_STATE} damaged. */
  private static String damagedJoinFailure;

  /**
   * Copies {@code location} to {@code copy}, times kept, and flips a byte of
   * {@link #DAMAGED_STATE} there as storage damage does: at rest, its time unchanged.
   */
  private static void damage(Path location, Path copy) throws IOException {
    try (Stream<Path> files = Files.walk(location)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.copy(p, copy.resolve(location.relativize(p).toString()),
            StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    Path file = copy.resolve(DAMAGED_STATE);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x01;
    FileTime written = Files.getLastModifiedTime(file);
    Files.write(file, bytes);
    Files.setLastModifiedTime(file, written);
    // Hadoop's own checksum of the local file would name it first.
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
  }

  /** The SST file deleted from a copy of the RocksDB join's location, relative to it. */
  private static String missingSst;
  /** How the RocksDB join failed on that copy. */
  private static String missingSstFailure;

  /**
   * Copies {@code location} to {@code copy} and deletes there an SST file that the latest
   * snapshot of the join's right {@code keyWithIndexToValue} store names: the snapshot the next
   * batch loads, since every batch committed. Returns the file, relative to the location.
   */
  private static String withoutAnSst(Path location, Path copy) throws IOException {
    org.apache.commons.io.FileUtils.copyDirectory(location.toFile(), copy.toFile());
    Path store = copy.resolve("state/0/0/right-keyWithIndexToValue");
    long latest;
    try (Stream<Path> files = Files.list(store)) {
      latest = files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9]+\\.zip"))
          .mapToLong(n -> Long.parseLong(n.substring(0, n.length() - 4))).max()
          .orElseThrow(() -> new AssertionError("no snapshot in " + store));
    }
    String sst = RocksDbSnapshot.filesNamedBy(Files.readAllBytes(store.resolve(latest + ".zip")))
        .stream().filter(RocksDbSnapshot.ImmutableFile::sst).findFirst()
        .orElseThrow(() -> new AssertionError(latest + ".zip names no SST file in " + store))
        .dfsName();
    Path file = store.resolve("SSTs").resolve(sst);
    Files.delete(file);
    Files.deleteIfExists(file.resolveSibling("." + sst + ".crc"));
    return copy.relativize(file).toString();
  }

  /** A new session on {@code sc} with the case's provider and settings. */
  private static SparkSession session(SparkContext sc, Case c) {
    SparkSession session = SparkSession.builder().sparkContext(sc).getOrCreate().newSession();
    c.provider.settings.forEach((k, v) -> session.conf().set(k, v));
    c.settings.forEach((k, v) -> session.conf().set(k, v));
    return session;
  }

  private static void addInput(Path dir, int round, List<List<String>> lines) {
    StatefulQuery.addInput(dir, round + ".txt", lines.get(round).toArray(new String[0]));
  }

  /** Runs every case not yet failed into its locations of {@code kinds} (null: none). */
  private static Void runAll(SparkContext sc, String... kinds) {
    for (Case c : CASES) {
      for (String kind : kinds) {
        if (kind == null || c.failure != null) {
          continue;
        }
        try {
          c.output.computeIfAbsent(kind, k -> new ArrayList<>()).add(StatefulQuery.run(
              c.query.apply(session(sc, c)), c.outputMode, c.location(kind).toString()));
        } catch (Exception e) {
          c.failure = new Exception(c.name + ", " + kind + " location, round "
              + c.output.getOrDefault(kind, List.of()).size(), e);
        }
      }
    }
    return null;
  }

  private static Dataset<Row> lines(SparkSession spark, Path dir) {
    return spark.readStream().option("maxFilesPerTrigger", 1).text(dir.toString());
  }

  /** flatMapGroupsWithState through the Java API: a running count per word, "word=count". */
  private static Dataset<Row> runningCounts(Dataset<Row> words) {
    return words.groupByKey((MapFunction<Row, String>) r -> r.getString(0), Encoders.STRING())
        .flatMapGroupsWithState((FlatMapGroupsWithStateFunction<String, Row, Long, String>)
            StatefulOperatorsTest::countOf, OutputMode.Update(), Encoders.LONG(),
            Encoders.STRING(), GroupStateTimeout.NoTimeout())
        .toDF();
  }

  private static Iterator<String> countOf(String word, Iterator<Row> rows,
      GroupState<Long> state) {
    long n = state.exists() ? state.get() : 0;
    while (rows.hasNext()) {
      rows.next();
      n++;
    }
    state.update(n);
    return List.of(word + "=" + n).iterator();
  }

  /** Inner join of two "key,seconds" streams, each with a 10 s watermark, within 5 s. */
  private static Dataset<Row> join(SparkSession spark, Path left, Path right) {
    Dataset<Row> l = lines(spark, left).selectExpr("split(value, ',')[0] AS lk",
        "timestamp_seconds(CAST(split(value, ',')[1] AS BIGINT)) AS lt")
        .withWatermark("lt", "10 seconds");
    Dataset<Row> r = lines(spark, right).selectExpr("split(value, ',')[0] AS rk",
        "timestamp_seconds(CAST(split(value, ',')[1] AS BIGINT)) AS rt")
        .withWatermark("rt", "10 seconds");
    return l.join(r, expr("lk = rk AND rt BETWEEN lt - INTERVAL 5 SECONDS"
        + " AND lt + INTERVAL 5 SECONDS"))
        .selectExpr("lk", "CAST(lt AS BIGINT)", "CAST(rt AS BIGINT)");
  }

  private static List<List<String>> output(Case c, String kind) throws Exception {
    if (c.failure != null) {
      throw c.failure;
    }
    List<List<String>> out = c.output.get(kind);
    assertEquals(ROUNDS, out.size(), kind + ": " + out);
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theOutputWithThePluginIsStocksOverTwoRestartsWithNewInput(Case c) throws Exception {
    List<List<String>> stock = output(c, "stock");
    for (List<String> round : stock) {
      assertFalse(round.isEmpty(), "every round runs a batch: " + stock);
    }
    String last = String.join("; ", stock.get(ROUNDS - 1));
    assertTrue(last.contains(c.lastRoundShows), "state carried through both restarts: " + last);
    assertEquals(stock, output(c, "plugin"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void pluginThenStockThenPluginOnOneLocationGivesStocksOutput(Case c) throws Exception {
    assertEquals(output(c, "stock"), output(c, "mixed"));
  }

  /**
   * Every file the plugin opened matched its record or had none (written by stock Spark), and
   * every record was written: no file called damaged (but the one damaged on purpose), read
   * unchecked or left unprotected.
   */
  @Test
  void noFileWasDamagedUncheckedOrLeftWithoutARecord() {
    for (String type : List.of("streaming.file.damaged", "streaming.file.unverified",
        "streaming.unprotected")) {
      assertEquals(List.of(), LocalSpark.events(tmp.resolve("audit.jsonl"), type).stream()
          .filter(e -> !e.get("file").asText().contains("/damaged/"))
          .collect(Collectors.toList()), type);
    }
    // The plugin ran each case three times on its own location and twice on the mixed one.
    assertTrue(LocalSpark.events(tmp.resolve("audit.jsonl"), "streaming.batch.committed")
        .size() >= CASES.size() * (2 * ROUNDS - 1));
  }

  /** The records are checked where the join's nested stores are loaded again. */
  @Test
  void aFlippedByteInAStateFileOfTheJoinFailsTheRestartNamingIt() {
    assertNotNull(damagedJoinFailure, "the restart ran on the damaged location");
    boolean sparkChecksums = QueryCheckpointIntegrityTest.sparkChecksumsStateFiles();
    // Spark 4.1 checksums state files itself, and names the file first.
    String named = sparkChecksums ? "Checksum verification failed, the file may be corrupted."
        + " File: file:" + tmp.resolve("streamStreamJoin-hdfs/damaged").resolve(DAMAGED_STATE)
        : DAMAGED_STATE + " differs from what was committed";
    assertTrue(damagedJoinFailure.contains(named), damagedJoinFailure);
  }

  /**
   * RocksDB's SST files, which Spark copies without the file manager, are checked for every
   * store of the location before the restart plans a batch: here one of the join's four.
   */
  @Test
  void anSstFileMissingFromAJoinStoreOnRocksDbFailsTheRestartNamingItAndItsStore() {
    assertNotNull(missingSstFailure, "the restart ran on the location without " + missingSst);
    assertTrue(missingSstFailure.contains(missingSst + " is missing; ")
        && missingSstFailure.contains("partition 0 of operator 0 (right-keyWithIndexToValue)"),
        missingSstFailure);
  }

  /** State data files: HDFS-backed deltas and snapshots, RocksDB's zips and changelogs. */
  private static final Pattern STATE_FILE = Pattern.compile("[^.].*\\.(delta|snapshot|zip"
      + "|changelog)");

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void thePluginsRecordsCoverTheFilesOfEveryStateStore(Case c) throws Exception {
    output(c, "plugin");
    Path location = c.location("plugin");
    List<String> recorded = QueryCheckpointIntegrityTest.recordedFiles(location);
    List<String> stateFiles;
    try (Stream<Path> files = Files.walk(location.resolve("state"))) {
      stateFiles = files.filter(p -> STATE_FILE.matcher(p.getFileName().toString()).matches())
          .map(p -> location.relativize(p).toString()).sorted().collect(Collectors.toList());
    }
    String versionFile = c.provider.versionFile();
    for (String store : c.stores) {
      assertTrue(stateFiles.stream().anyMatch(f -> f.startsWith(store + "/")
          && f.indexOf('/', store.length() + 1) < 0 && f.endsWith(versionFile)),
          store + " holds no " + versionFile + " file: " + stateFiles);
    }
    boolean sparkChecksums = QueryCheckpointIntegrityTest.sparkChecksumsStateFiles();
    for (String file : stateFiles) {
      if (sparkChecksums) {
        // Spark 4.1 checksums them itself, and the plugin does not do it twice.
        assertFalse(recorded.contains(file), file);
        assertTrue(Files.exists(location.resolve(file + ".crc")), file + ".crc");
      } else {
        assertTrue(recorded.contains(file), file + " among " + recorded);
      }
    }
    List<String> logs = new ArrayList<>(List.of("metadata"));
    for (String log : List.of("offsets", "commits")) {
      try (Stream<Path> files = Files.list(location.resolve(log))) {
        files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9]+"))
            .forEach(n -> logs.add(log + "/" + n));
      }
    }
    assertTrue(recorded.containsAll(logs), logs + " among " + recorded);
    QueryCheckpointIntegrityTest.assertEveryRecordMatchesItsFile(location);
  }
}
