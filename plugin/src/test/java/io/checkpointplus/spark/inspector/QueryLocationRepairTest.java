package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.structured.StatefulQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code repair} on Structured Streaming query locations, proven by restarts: a location of a
 * stateful count (three files, one micro-batch each, written with the plugin and left a day
 * idle) is damaged one way, repaired, and restarted on stock Spark with a fourth file. The
 * restart's output is what an uninterrupted run of the four files output from the batch the
 * repair rolled back to. Nothing is deleted: every file moved is under the repair's folder.
 */
class QueryLocationRepairTest {
  @TempDir
  static Path tmp;
  private static Path input;
  private static Path base;
  /** The uninterrupted run of all four files: "batch N: [rows]", batches 0 to 3. */
  private static List<String> uninterrupted;

  @BeforeAll
  static void aLocationOfThreeBatchesAndAnUninterruptedRunOfFour() throws Exception {
    Path all = tmp.resolve("all-input");
    input = tmp.resolve("input");
    for (Path dir : List.of(all, input)) {
      StatefulQuery.addInput(dir, "a.txt", "x", "y", "x");
      StatefulQuery.addInput(dir, "b.txt", "y", "z");
      StatefulQuery.addInput(dir, "c.txt", "x");
    }
    StatefulQuery.addInput(all, "d.txt", "z", "x", "w");
    uninterrupted = StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"), all,
        tmp.resolve("uninterrupted"), Map.of());
    assertEquals(4, uninterrupted.size(), uninterrupted.toString());
    base = tmp.resolve("base");
    StatefulQuery.runOnce(true, tmp.resolve("audit.jsonl"), input, base, Map.of());
    StatefulQuery.addInput(input, "d.txt", "z", "x", "w");
    ageByOneDay(base);
  }

  private static void ageByOneDay(Path location) throws IOException {
    FileTime dayAgo = FileTime.fromMillis(System.currentTimeMillis() - 24L * 3600 * 1000);
    try (Stream<Path> files = Files.walk(location)) {
      for (Path f : files.toList()) {
        Files.setLastModifiedTime(f, dayAgo);
      }
    }
  }

  /** A copy of the base location, its files' times kept (a day old). */
  private static Path copy(String name) {
    Path to = tmp.resolve(name);
    RddCheckpoints.copy(base, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    return to;
  }

  /** Every file under {@code dir}, relative to it. */
  private static List<String> tree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted()
          .toList();
    }
  }

  /** A write torn halfway: the file's first half, with its time, no checksum beside it. */
  private static void cutShort(Path location, String dir, String name) throws IOException {
    Path file = location.resolve(dir).resolve(name);
    FileTime written = Files.getLastModifiedTime(file);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    Files.setLastModifiedTime(file, written);
    Files.deleteIfExists(location.resolve(dir).resolve("." + name + ".crc"));
  }

  /** Bit rot: a byte changed, the file's time as it was (a rewrite would change it). */
  private static void flipAByte(Path file) throws IOException {
    FileTime written = Files.getLastModifiedTime(file);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(file, bytes);
    Files.setLastModifiedTime(file, written);
  }

  /**
   * Repairs {@code location} (dry run, then {@code --apply}), checks what moved, and restarts
   * it on stock Spark; returns the batch it was rolled back to.
   */
  private static long repairAndRestart(Path location, String... options) throws Exception {
    List<String> before = tree(location);
    List<String> args = new ArrayList<>(List.of("repair", location.toString(), "--json"));
    args.addAll(List.of(options));
    InspectorRun dry = InspectorRun.of(args.toArray(String[]::new));
    assertEquals(0, dry.exitCode(), dry.toString());
    assertEquals(before, tree(location), "a dry run moves nothing");
    args.add("--apply");
    InspectorRun applied = InspectorRun.of(args.toArray(String[]::new));
    assertEquals(0, applied.exitCode(), applied.toString());
    JsonNode plan = dry.json();
    JsonNode done = applied.json();
    assertEquals(plan.get("moves"), done.get("moves"), "the dry run lists the moves --apply makes");
    assertEquals(plan.get("toBatch"), done.get("toBatch"));
    assertTrue(done.get("intactAfter").asBoolean(), applied.toString());

    // Moved, never deleted: every file is where it was, or under the repair's folder.
    Path aside = Path.of(java.net.URI.create(done.get("setAsideIn").asText()));
    List<String> moved = new ArrayList<>();
    done.get("moves").forEach(m -> moved.add(m.asText()));
    assertFalse(moved.isEmpty());
    for (String m : moved) {
      assertTrue(Files.exists(aside.resolve(m)), m + " is in " + aside);
      assertFalse(Files.exists(location.resolve(m)), m + " left the location");
    }
    List<String> after = new ArrayList<>(tree(location));
    after.removeIf(f -> f.startsWith(aside.getFileName().toString()));
    List<String> expected = new ArrayList<>(before);
    expected.removeAll(moved);
    assertEquals(expected, after);
    assertTrue(Files.readString(aside.resolve("repair.json")).contains("location.repaired"));
    assertEquals(0, InspectorRun.of("verify", location.toString()).exitCode(),
        "the repaired location verifies");

    long toBatch = done.get("toBatch").asLong();
    List<String> restart = StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"), input,
        location, Map.of());
    List<String> fromThere = uninterrupted.subList((int) toBatch + 1, uninterrupted.size());
    assertEquals(fromThere, restart, "the restart outputs what an uninterrupted run output"
        + " from batch " + (toBatch + 1));
    return toBatch;
  }

  @Test
  void aTornLatestOffsetsEntryIsRolledBackToTheBatchBefore() throws Exception {
    Path location = copy("torn-offsets");
    cutShort(location, "offsets", "2");
    assertEquals(1, repairAndRestart(location));
  }

  @Test
  void aDamagedStateFileOfTheLatestVersionIsRolledBackPastIt() throws Exception {
    Path location = copy("damaged-state");
    flipAByte(location.resolve("state/0/1/3.delta"));
    Files.deleteIfExists(location.resolve("state/0/1/.3.delta.crc"));
    assertEquals(1, repairAndRestart(location));
  }

  @Test
  void aCommitCutShortIsRolledBackToTheBatchBefore() throws Exception {
    Path location = copy("torn-commit");
    cutShort(location, "commits", "2");
    assertEquals(1, repairAndRestart(location));
  }

  @Test
  void anIntactLocationIsRolledBackToTheBatchAsked() throws Exception {
    Path location = copy("asked");
    assertEquals(0, repairAndRestart(location, "--to-batch", "0"));
  }

  /**
   * The moves go newest batch first; within a batch its commit, its state, its offsets, then
   * its source entries, each file's checksum and record before the file. A repair cut short
   * after any of these groups leaves a location that verifies and restarts to the state the
   * uninterrupted run reaches, running the batch it was cut in again.
   */
  @Test
  void aRepairCutShortAnywhereInABatchLeavesALocationThatRestarts() throws Exception {
    InspectorRun dry = InspectorRun.of("repair", copy("cut-plan").toString(), "--to-batch",
        "0", "--json");
    assertEquals(0, dry.exitCode(), dry.toString());
    List<String> moves = new ArrayList<>();
    dry.json().get("moves").forEach(m -> moves.add(m.asText()));
    List<String> newest = moves.stream().filter(m -> RepairCommand.batchOf(m) == 2).toList();
    assertEquals(newest, moves.subList(0, newest.size()), "newest batch first: " + moves);
    List<String> groups = new ArrayList<>();
    for (String m : newest) {
      String group = m.substring(0, m.indexOf('/'));
      if (groups.isEmpty() || !groups.get(groups.size() - 1).equals(group)) {
        groups.add(group);
      }
    }
    assertEquals(List.of("commits", "state", "offsets", "sources"), groups, newest.toString());
    assertEquals(List.of("commits/.2.crc", "commits/.2.integrity", "commits/2"),
        newest.subList(0, 3), "a file's checksum and record before it");

    for (String cutAfter : List.of("commits", "state", "offsets", "sources")) {
      Path location = copy("cut-after-" + cutAfter);
      Path aside = location.resolve("_repair-cut-short");
      int last = 0;
      for (int k = 0; k < newest.size(); k++) {
        if (newest.get(k).startsWith(cutAfter + "/")) {
          last = k;
        }
      }
      for (String m : newest.subList(0, last + 1)) {
        Files.createDirectories(aside.resolve(m).getParent());
        Files.move(location.resolve(m), aside.resolve(m));
      }
      assertEquals(0, InspectorRun.of("verify", location.toString()).exitCode(),
          "cut after " + cutAfter + ": the location verifies");
      List<String> restart = StatefulQuery.runOnce(false, tmp.resolve("audit.jsonl"), input,
          location, Map.of());
      if (cutAfter.equals("offsets")) {
        // Batch 2's offsets gone, its source entry kept: Spark plans batch 2 from the source's
        // log, which takes the newer input too (one batch where the uninterrupted run had
        // two). Nothing is lost or counted twice: the state at the end is the same.
        String finalRows = uninterrupted.get(uninterrupted.size() - 1);
        assertEquals(List.of("batch 2: " + finalRows.substring(finalRows.indexOf(": ") + 2)),
            restart,
            "cut after offsets: batch 2 runs again with the newer input");
      } else {
        assertEquals(uninterrupted.subList(2, uninterrupted.size()), restart,
            "cut after " + cutAfter + ": batch 2 runs again");
      }
    }
  }

  /** A file written while repair checked the location: nothing is moved. */
  @Test
  void aLocationThatChangesWhileRepairChecksItIsRefused() throws Exception {
    Path location = copy("changed-while-checked");
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(
        new org.apache.hadoop.conf.Configuration());
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(location.toUri());
    List<org.apache.hadoop.fs.LocatedFileStatus> before = LocationView.filesUnder(fs, root);
    assertEquals(null, QueryLocationGuard.changedSince(before, LocationView.filesUnder(fs, root),
        root), "unchanged");
    StatefulQuery.addInput(location.resolve("offsets"), "3", "v1");
    String why = QueryLocationGuard.changedSince(before, LocationView.filesUnder(fs, root), root);
    assertTrue(why != null && why.contains("offsets/3 appeared"), why);
    Files.delete(location.resolve("offsets").resolve("3"));
    Files.delete(location.resolve("commits").resolve("2"));
    why = QueryLocationGuard.changedSince(before, LocationView.filesUnder(fs, root), root);
    assertTrue(why != null && why.contains("commits/2 disappeared"), why);
  }

  @Test
  void anIntactLocationNeedsNoRepair() throws Exception {
    Path location = copy("intact");
    List<String> before = tree(location);
    InspectorRun run = InspectorRun.of("repair", location.toString(), "--apply");
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("intact, nothing to repair"), run.out());
    assertEquals(before, tree(location));
  }

  @Test
  void aLocationWrittenRecentlyIsRefusedAndNothingMoves() throws Exception {
    Path location = copy("recent");
    Files.setLastModifiedTime(location.resolve("commits/2"),
        FileTime.fromMillis(System.currentTimeMillis()));
    List<String> before = tree(location);
    InspectorRun run = InspectorRun.of("repair", location.toString(), "--to-batch", "1",
        "--apply");
    assertEquals(3, run.exitCode(), run.toString());
    assertTrue(run.out().contains("commits/2 was written") && run.out().contains("running"),
        run.out());
    assertEquals(before, tree(location));
  }

  @Test
  void aBatchThatWouldNotRestartIsRefusedNamingTheDamage() throws Exception {
    Path location = copy("refused");
    flipAByte(location.resolve("state/0/0/2.delta"));
    Files.deleteIfExists(location.resolve("state/0/0/.2.delta.crc"));
    List<String> before = tree(location);
    // Batch 1's restart loads version 2, which is damaged.
    InspectorRun run = InspectorRun.of("repair", location.toString(), "--to-batch", "1",
        "--apply");
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("batch 1 is not intact") && run.out().contains("2.delta"),
        run.out());
    assertEquals(before, tree(location));
  }

  /**
   * A file source compacting its log every two batches (four files: batches 0 to 3) writes
   * {@code 1.compact} and {@code 3.compact}, each holding every earlier batch's entries: rolled
   * back below batch 3 the log would lose them.
   */
  @Test
  void aRollbackBelowAFileSourcesCompactionIsRefused() throws Exception {
    Path compacting = tmp.resolve("compacting");
    StatefulQuery.runOnce(true, tmp.resolve("audit.jsonl"), tmp.resolve("all-input"),
        compacting, Map.of("spark.sql.streaming.fileSource.log.compactInterval", "2"));
    assertTrue(Files.exists(compacting.resolve("sources/0/1.compact")),
        "Spark compacted the source log at batch 1");
    ageByOneDay(compacting);
    List<String> before = tree(compacting);
    InspectorRun run = InspectorRun.of("repair", compacting.toString(), "--to-batch", "2",
        "--apply");
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("compacted at batch 3"), run.out());
    assertEquals(before, tree(compacting), "nothing moved");
  }

  @Test
  void badInputSaysWhatIsAllowed() throws Exception {
    InspectorRun notALocation = InspectorRun.of("repair", tmp.resolve("input").toString());
    assertEquals(2, notALocation.exitCode(), notALocation.toString());
    assertTrue(notALocation.out().contains("is not a Structured Streaming checkpoint location"),
        notALocation.toString());
    InspectorRun noSuchBatch = InspectorRun.of("repair", base.toString(), "--to-batch", "7");
    assertEquals(1, noSuchBatch.exitCode(), noSuchBatch.toString());
    assertTrue(noSuchBatch.out().contains("committed batches: 0..2"), noSuchBatch.toString());
    InspectorRun badNumber = InspectorRun.of("repair", base.toString(), "--to-batch", "x");
    assertEquals(2, badNumber.exitCode(), badNumber.toString());
    assertTrue(badNumber.err().contains("--to-batch 'x'"), badNumber.toString());
  }
}
