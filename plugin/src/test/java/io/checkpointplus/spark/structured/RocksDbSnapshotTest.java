package io.checkpointplus.spark.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RocksDB's SST and log files, which Spark copies with {@code FileSystem} calls that no
 * checkpoint file manager sees: before a restart runs a batch, every file named by the snapshot
 * that batch loads is present with the size the snapshot names, or the restart fails naming it.
 * Stock Spark is the oracle: it fails on the same damage, later and on an executor, and runs
 * where the damage is in a snapshot no batch loads; the plugin must as well.
 */
class RocksDbSnapshotTest {
  @TempDir
  Path tmp;

  /** Without changelog checkpointing: every version is a snapshot zip. */
  private static final Map<String, String> ROCKSDB = Map.of(
      "spark.sql.streaming.stateStore.providerClass",
      "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider");

  /** Three committed batches (0 to 2): the next batch loads version 3. */
  private Path threeBatches(String name) throws Exception {
    Path input = tmp.resolve(name).resolve("in");
    Path location = tmp.resolve(name).resolve("location");
    StatefulQuery.addInput(input, "a.txt", "x", "y", "x", "v", "u");
    StatefulQuery.addInput(input, "b.txt", "y", "z", "t");
    StatefulQuery.addInput(input, "c.txt", "x", "s");
    StatefulQuery.runOnce(true, tmp.resolve("audit.jsonl"), input, location, ROCKSDB);
    StatefulQuery.addInput(input, "d.txt", "z", "w");
    return location;
  }

  /** A partition's store directory whose snapshot {@code version} names an SST file. */
  private static Path storeWithSsts(Path location, long version) throws IOException {
    for (String partition : List.of("0", "1")) {
      Path store = location.resolve("state/0").resolve(partition);
      if (!sstsNamedBy(store, version).isEmpty()) {
        return store;
      }
    }
    throw new AssertionError("no snapshot " + version + " names an SST file in " + location);
  }

  private static Set<String> sstsNamedBy(Path store, long version) throws IOException {
    Path zip = store.resolve(version + ".zip");
    if (!Files.exists(zip)) {
      return Set.of();
    }
    return RocksDbSnapshot.filesNamedBy(Files.readAllBytes(zip)).stream()
        .filter(RocksDbSnapshot.ImmutableFile::sst).map(RocksDbSnapshot.ImmutableFile::dfsName)
        .collect(Collectors.toSet());
  }

  /** The same location damaged the same way, restarted by stock Spark and by the plugin. */
  private String[] restartBoth(String name, Damage damage) throws Exception {
    Path location = threeBatches(name);
    Path store = storeWithSsts(location, 3);
    Path sst = store.resolve("SSTs").resolve(sstsNamedBy(store, 3).iterator().next());
    damage.apply(sst);
    Files.deleteIfExists(sst.resolveSibling("." + sst.getFileName() + ".crc"));
    Path copy = tmp.resolve(name + "-stock");
    org.apache.commons.io.FileUtils.copyDirectory(location.getParent().toFile(), copy.toFile());

    // The source log records the input's absolute paths: both runs read the same input.
    Path input = tmp.resolve(name).resolve("in");
    Exception stock = assertThrows(Exception.class, () -> StatefulQuery.runOnce(false,
        tmp.resolve("audit.jsonl"), input, copy.resolve("location"), ROCKSDB),
        "stock Spark fails on this damage too");
    String stockFailure = ExceptionUtils.getStackTrace(stock);
    assertTrue(stockFailure.contains(sst.getFileName().toString()), stockFailure);
    Exception plugin = assertThrows(Exception.class, () -> StatefulQuery.runOnce(true,
        tmp.resolve("audit.jsonl"), input, location, ROCKSDB));
    assertFalse(Files.exists(location.resolve("offsets/3")),
        "the plugin failed the restart before batch 3 was planned");
    return new String[] {sst.toString().replace(tmp.toString(), ""),
        ExceptionUtils.getStackTrace(plugin), ExceptionUtils.getStackTrace(stock)};
  }

  @FunctionalInterface
  private interface Damage {
    void apply(Path file) throws IOException;
  }

  @Test
  void anSstFileMissingFromTheSnapshotTheRestartLoadsFailsItNamingTheFileAndTheState()
      throws Exception {
    String[] r = restartBoth("missing", Files::delete);
    assertTrue(r[1].contains(r[0]) && r[1].contains("is missing; 3.zip names it with")
        && r[1].contains("at version 3, which the query's next batch loads from 3.zip"), r[1]);
    List<JsonNode> damaged = LocalSpark.events(tmp.resolve("audit.jsonl"),
        "streaming.file.damaged");
    assertEquals(1, damaged.size());
    assertTrue(damaged.get(0).get("file").asText().endsWith(r[0]), damaged.toString());
    assertEquals("state", damaged.get(0).get("kind").asText());
  }

  @Test
  void aTruncatedSstFileFailsTheRestartWithBothSizes() throws Exception {
    String[] r = restartBoth("truncated", sst -> {
      try (FileChannel c = FileChannel.open(sst, StandardOpenOption.WRITE)) {
        c.truncate(c.size() - 7);
      }
    });
    assertTrue(r[1].contains(r[0]) && r[1].matches("(?s).*has \\d+ bytes; 3\\.zip names it"
        + " with \\d+ bytes.*"), r[1]);
  }

  /**
   * Stock Spark re-runs an uncommitted batch from the snapshot before it; damage to a file only
   * the uncommitted batch's snapshot names must not stop the plugin either.
   */
  @Test
  void damageOnlyInTheSnapshotOfAnUncommittedBatchDoesNotStopARestartStockWouldRun()
      throws Exception {
    Path location = threeBatches("uncommitted");
    // Batch 2 did not commit: the restart re-runs it from version 2.
    for (String f : List.of("commits/2", "commits/.2.crc", "commits/.2.integrity",
        "commits/..2.integrity.crc")) {
      Files.deleteIfExists(location.resolve(f));
    }
    Path store = storeWithSsts(location, 3);
    Set<String> onlyInThree = new java.util.HashSet<>(sstsNamedBy(store, 3));
    onlyInThree.removeAll(sstsNamedBy(store, 2));
    assertFalse(onlyInThree.isEmpty(), "version 3 wrote a new SST file");
    Path sst = store.resolve("SSTs").resolve(onlyInThree.iterator().next());
    Files.delete(sst);
    Path copy = tmp.resolve("uncommitted-stock");
    org.apache.commons.io.FileUtils.copyDirectory(location.getParent().toFile(), copy.toFile());

    List<String> stock = StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"),
        tmp.resolve("uncommitted").resolve("in"), copy.resolve("location"), ROCKSDB);
    List<String> plugin = StatefulQuery.runOnce(true, tmp.resolve("audit.jsonl"),
        tmp.resolve("uncommitted").resolve("in"), location, ROCKSDB);
    assertEquals(stock, plugin);
    assertTrue(plugin.get(0).startsWith("batch 2:"), plugin.toString());
  }

  @Test
  void anIntactRocksDbLocationResumesWithTheCheckOn() throws Exception {
    Path location = threeBatches("intact");
    storeWithSsts(location, 3);
    List<String> out = StatefulQuery.runOnce(true, tmp.resolve("audit.jsonl"),
        tmp.resolve("intact").resolve("in"), location, ROCKSDB);
    assertEquals(1, out.size(), out.toString());
    assertTrue(out.get(0).startsWith("batch 3: "), out.toString());
    assertTrue(LocalSpark.events(tmp.resolve("audit.jsonl"), "streaming.file.damaged").isEmpty());
  }
}
