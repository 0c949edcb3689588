package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.reflect.ClassTag$;

/**
 * {@code verify}'s verdicts proven against stock Spark: checkpoints written by stock Spark and by
 * the plugin (Java and Kryo, compressed or not; a plain RDD, one with empty partitions, one with
 * a {@code _partitioner}, one of no partitions) are damaged at random from a seed (a flipped
 * byte, a truncated, deleted, added or renamed file, a damaged {@code _partitioner} or
 * manifest, a record class's name or serialVersionUID changed), and each verdict is compared with what a stock {@code SparkContext} reads from the
 * same directory ({@code sc.checkpointFile}: its partitions, records and partitioner).
 *
 * <p>"Intact" is allowed only where Spark reads exactly the written records (and, where a
 * manifest records it, the partitioner); where Spark fails or reads anything else, verify must
 * say damaged and name a file the damage touched. Without a manifest, two kinds of damage
 * cannot be seen in the files and are allowed to pass, provided verify's note says so: Spark
 * reading, with no error, fewer records (a part cut between two records) or partitions fewer or
 * more at the end (part files removed or added there, without a {@code _partitioner} to count
 * them), and a changed byte that still deserializes where its {@code .crc} side file went with
 * it. No-damage cases must be intact. Half the cases do not tell verify whether the
 * checkpoint was compressed.
 *
 * <p>{@value #CASES_PER_SETTING} cases per serializer and compression setting; more with
 * {@code -Dcheckpointplus.verifyDifferential.cases=N}, another seed with
 * {@code -Dcheckpointplus.verifyDifferential.seed=S}. A failure prints the seed and case.
 */
class VerifyDifferentialTest {
  static final int CASES_PER_SETTING = 60;
  private static final String[] NAMES = {"words", "sparse", "pairs", "none"};
  private static final String MANIFEST = "_checkpoint-manifest.json";

  @TempDir
  static Path tmp;

  /** One damaged copy: what was done, to which file names, and whether .crc files went. */
  record Damage(String description, Set<String> touched, boolean checksumsRemoved,
      boolean changedInPlace) {
    Damage(String description, Set<String> touched, boolean checksumsRemoved) {
      this(description, touched, checksumsRemoved, false);
    }

    static Damage none() {
      return new Damage("no damage", Set.of(), false);
    }
  }

  /** What stock Spark read: the records by partition and the partitioner, or its failure. */
  record SparkRead(List<List<Object>> partitions, Optional<Partitioner> partitioner,
      String failure) {
  }

  @Test
  void verdictsAgreeWithWhatStockSparkReads() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer(); // it sets serializer and compression itself
    long seed = Long.getLong("checkpointplus.verifyDifferential.seed", 20261205L);
    int cases = Integer.getInteger("checkpointplus.verifyDifferential.cases", CASES_PER_SETTING);
    List<String> failures = new ArrayList<>();
    Map<String, Integer> tally = new TreeMap<>();
    int caseNumber = 0;
    for (boolean kryo : new boolean[] {false, true}) {
      for (boolean compress : new boolean[] {false, true}) {
        List<CheckpointMatrix> written = List.of(CheckpointMatrix.of(false, kryo, compress),
            CheckpointMatrix.of(true, kryo, compress));
        SparkContext reader = LocalSpark.stock(written.get(0).settings());
        Level executorLevel = quietTaskFailures();
        try {
          for (int i = 0; i < cases; i++, caseNumber++) {
            // mixed: java.util.Random's first draws for consecutive seeds are nearly equal
            Random random = new Random(new java.util.SplittableRandom(seed * 1_000_003L
                + caseNumber).nextLong());
            CheckpointMatrix matrix = written.get(random.nextInt(2));
            CheckpointMatrix.Written checkpoint = matrix.get(NAMES[random.nextInt(NAMES.length)]);
            String failure = runCase(reader, matrix, checkpoint, random, i == 0, tally);
            if (failure != null) {
              failures.add("seed " + seed + " case " + caseNumber + " (" + setting(matrix)
                  + ", " + checkpoint.name() + "): " + failure);
            }
          }
        } finally {
          LocalSpark.stop(reader);
          Configurator.setLevel("org.apache.spark", executorLevel);
        }
      }
    }
    System.out.println("VerifyDifferentialTest: " + caseNumber + " cases, seed " + seed + ": "
        + tally);
    if (!failures.isEmpty()) {
      fail(failures.size() + " of " + caseNumber + " verdicts disagree with stock Spark (seed "
          + seed + "):\n" + String.join("\n\n", failures));
    }
  }

  private static String setting(CheckpointMatrix m) {
    return (m.plugin ? "plugin" : "stock") + ", " + (m.kryo ? "Kryo" : "Java")
        + (m.compress ? ", compressed" : "");
  }

  /** Task failures are what damage is expected to cause: their stack traces are noise here. */
  private static Level quietTaskFailures() {
    Level before = LogManager.getLogger("org.apache.spark").getLevel();
    Configurator.setLevel("org.apache.spark", Level.OFF);
    return before;
  }

  /** One case: a damaged copy, verify's verdict, Spark's read; the disagreement or null. */
  private static String runCase(SparkContext reader, CheckpointMatrix matrix,
      CheckpointMatrix.Written checkpoint, Random random, boolean control,
      Map<String, Integer> tally) throws IOException {
    Path copy = tmp.resolve(UUID.randomUUID().toString()).resolve(checkpoint.dir().getFileName()
        .toString());
    RddCheckpoints.copy(checkpoint.dir(), copy);
    Damage damage = control ? Damage.none() : damage(copy, random);
    // Half the cases leave spark.checkpoint.compress out: verify then tells compressed from raw
    // part files by their first bytes (CompressionFormat) and must still judge as Spark reads.
    boolean toldCompression = random.nextBoolean();
    if (!toldCompression) {
      damage = new Damage(damage.description() + " (spark.checkpoint.compress not given)",
          damage.touched(), damage.checksumsRemoved(), damage.changedInPlace());
    }
    InspectorRun run = InspectorRun.of(matrix.args(toldCompression, "verify", copy.toString(),
        "--checksum", "--json", "--quiet"));
    if (run.exitCode() != 0 && run.exitCode() != 1 && run.exitCode() != 4) {
      return damage.description() + ": verify failed instead of judging: " + run;
    }
    boolean intact = run.exitCode() == 0;
    SparkRead read = read(reader, copy);
    if (run.exitCode() == 4) {
      // "cannot tell": records of a class not on the class path, which here is Spark's own
      // (every record class is Spark's, Scala's or the JDK's): Spark cannot read them either.
      tally.merge((read.failure() != null ? "Spark fails" : "Spark reads")
          + ", verify cannot tell", 1, Integer::sum);
      return read.failure() != null && !damage.touched().isEmpty() ? null
          : "verify cannot tell where stock Spark reads " + describe(read, checkpoint) + ". "
              + damage.description() + "\nverify: " + run.out();
    }
    boolean manifestRead = Files.exists(copy.resolve(MANIFEST)) && run.json().get("rdds").get(0)
        .get("check").asText().equals("manifest");
    boolean sameRecords = read.failure() == null && read.partitions().equals(
        checkpoint.partitions());
    boolean same = sameRecords && (!manifestRead || read.partitioner().equals(
        checkpoint.partitioner()));
    tally.merge((read.failure() != null ? "Spark fails" : same ? "Spark reads the same"
        : "Spark reads otherwise") + ", verify says " + (intact ? "intact" : "damaged"), 1,
        Integer::sum);
    String what = damage.description() + "\nSpark: " + describe(read, checkpoint)
        + "\nverify: " + run.out();
    if (damage.touched().isEmpty() && !intact) {
      return "an undamaged checkpoint is called damaged. " + what;
    }
    if (intact && !same) {
      if (!manifestRead && undetectableWithoutManifest(read, checkpoint, damage)
          && run.out().contains("cannot be told from an intact checkpoint")) {
        return null;
      }
      return "verify says intact, stock Spark reads something else. " + what;
    }
    if (!intact && !same) {
      for (JsonNode p : run.json().get("problems")) {
        String file = p.get("file").asText();
        for (String name : damage.touched()) {
          if (file.endsWith("/" + name) || file.endsWith("/" + copy.getFileName())) {
            return null;
          }
        }
      }
      return "verify names no file the damage touched " + damage.touched() + ". " + what;
    }
    return null;
  }

  /**
   * What no check of the files can see without a manifest: Spark read, with no error, a prefix
   * of each partition's records, and perhaps partitions fewer or more at the end (a
   * {@code _partitioner} would count them, and verify compares); or, where bytes were changed
   * in place and the {@code .crc} files went with them, whatever the changed bytes deserialize
   * to (a Kryo length or count can change how many records follow).
   */
  private static boolean undetectableWithoutManifest(SparkRead read,
      CheckpointMatrix.Written checkpoint, Damage damage) {
    if (read.failure() != null) {
      return false;
    }
    List<List<Object>> expected = checkpoint.partitions();
    List<List<Object>> got = read.partitions();
    boolean prefixes = true;
    for (int i = 0; i < Math.min(got.size(), expected.size()); i++) {
      List<Object> e = expected.get(i);
      List<Object> g = got.get(i);
      prefixes &= g.size() <= e.size() && e.subList(0, g.size()).equals(g);
    }
    return prefixes || (damage.checksumsRemoved() && damage.changedInPlace()
        && got.size() == expected.size());
  }

  private static String describe(SparkRead read, CheckpointMatrix.Written checkpoint) {
    if (read.failure() != null) {
      return "fails: " + read.failure();
    }
    List<Integer> sizes = read.partitions().stream().map(List::size).toList();
    List<Integer> written = checkpoint.partitions().stream().map(List::size).toList();
    return "reads " + sizes + " records by partition (written " + written + "), "
        + (read.partitions().equals(checkpoint.partitions()) ? "equal" : "different")
        + ", partitioner " + read.partitioner() + " (written " + checkpoint.partitioner() + ")";
  }

  /** Reads {@code dir} as stock Spark reads a checkpoint: {@code sc.checkpointFile}. */
  private static SparkRead read(SparkContext sc, Path dir) {
    try {
      RDD<Object> rdd = sc.checkpointFile(dir.toUri().toString(), ClassTag$.MODULE$.AnyRef());
      List<List<Object>> partitions = JavaRDD.fromRDD(rdd, ClassTag$.MODULE$.AnyRef()).glom()
          .collect();
      return new SparkRead(partitions, Optional.ofNullable(rdd.partitioner().getOrElse(
          () -> null)), null);
    } catch (Exception e) {
      String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      return new SparkRead(null, Optional.empty(), e.getClass().getSimpleName() + ": "
          + message);
    }
  }

  /** Damages the checkpoint in {@code dir} one way, chosen by {@code random}. */
  private static Damage damage(Path dir, Random random) throws IOException {
    List<String> parts = names(dir, n -> n.startsWith("part-"));
    List<String> files = names(dir, n -> !n.startsWith("."));
    boolean dropCrc = random.nextBoolean();
    switch (random.nextInt(9)) {
      case 0: {
        if (files.isEmpty()) {
          return Damage.none();
        }
        String name = pick(files, random);
        byte[] bytes = Files.readAllBytes(dir.resolve(name));
        if (bytes.length == 0) {
          return Damage.none();
        }
        int at = random.nextInt(bytes.length);
        bytes[at] ^= (byte) (1 << random.nextInt(8));
        write(dir, name, bytes, dropCrc);
        return new Damage("flipped a bit of byte " + at + " of " + name + crcNote(dropCrc),
            Set.of(name), dropCrc, true);
      }
      case 1: {
        if (files.isEmpty()) {
          return Damage.none();
        }
        String name = pick(files, random);
        byte[] bytes = Files.readAllBytes(dir.resolve(name));
        if (bytes.length == 0) {
          return Damage.none();
        }
        int length = random.nextInt(bytes.length);
        write(dir, name, Arrays.copyOf(bytes, length), dropCrc);
        return new Damage("truncated " + name + " from " + bytes.length + " to " + length
            + " bytes" + crcNote(dropCrc), Set.of(name), dropCrc);
      }
      case 2: {
        if (files.isEmpty()) {
          return Damage.none();
        }
        String name = pick(files, random);
        Files.delete(dir.resolve(name));
        Files.deleteIfExists(dir.resolve("." + name + ".crc"));
        return new Damage("deleted " + name, Set.of(name), true);
      }
      case 3: {
        String name = switch (random.nextInt(4)) {
          case 0 -> String.format("part-%05d", parts.size());
          case 1 -> String.format("part-%05d.bak", Math.max(0, parts.size() - 1));
          case 2 -> "part-" + parts.size();
          default -> "notes.txt";
        };
        byte[] bytes;
        if (!parts.isEmpty() && random.nextBoolean()) {
          bytes = Files.readAllBytes(dir.resolve(pick(parts, random)));
        } else {
          bytes = new byte[random.nextInt(64)];
          random.nextBytes(bytes);
        }
        Files.write(dir.resolve(name), bytes);
        return new Damage("added " + name + " of " + bytes.length + " bytes",
            name.startsWith("part-") ? Set.of(name) : Set.of(), false);
      }
      case 4: {
        if (parts.isEmpty()) {
          return Damage.none();
        }
        String from = pick(parts, random);
        String to = random.nextBoolean() ? from + ".old" : String.format("part-%05d",
            parts.size() + random.nextInt(3));
        Files.move(dir.resolve(from), dir.resolve(to));
        Files.deleteIfExists(dir.resolve("." + from + ".crc"));
        return new Damage("renamed " + from + " to " + to, Set.of(from, to), true);
      }
      case 5: {
        Path p = dir.resolve("_partitioner");
        if (!Files.exists(p)) {
          byte[] bytes = new byte[1 + random.nextInt(40)];
          random.nextBytes(bytes);
          Files.write(p, bytes);
          return new Damage("added a _partitioner of random bytes", Set.of("_partitioner"),
              false);
        }
        byte[] bytes = Files.readAllBytes(p);
        if (random.nextBoolean()) {
          write(dir, "_partitioner", Arrays.copyOf(bytes, random.nextInt(bytes.length)), true);
          return new Damage("truncated _partitioner", Set.of("_partitioner"), true);
        }
        Files.delete(p);
        Files.deleteIfExists(dir.resolve("._partitioner.crc"));
        return new Damage("deleted _partitioner", Set.of("_partitioner"), true);
      }
      case 6: {
        Path m = dir.resolve(MANIFEST);
        if (!Files.exists(m)) {
          return Damage.none();
        }
        byte[] bytes = Files.readAllBytes(m);
        int length = random.nextInt(bytes.length);
        write(dir, MANIFEST, Arrays.copyOf(bytes, length), true);
        return new Damage("truncated the manifest to " + length + " bytes", Set.of(MANIFEST),
            true);
      }
      case 7: {
        // a record class descriptor (Java serialization, uncompressed): one character of the
        // class name, or one bit of its serialVersionUID, changed
        if (parts.isEmpty()) {
          return Damage.none();
        }
        String name = pick(parts, random);
        byte[] bytes = Files.readAllBytes(dir.resolve(name));
        List<int[]> descriptors = classDescriptors(bytes);
        if (descriptors.isEmpty()) {
          return Damage.none();
        }
        int[] d = descriptors.get(random.nextInt(descriptors.size()));
        String className = new String(bytes, d[0], d[1], java.nio.charset.StandardCharsets.UTF_8);
        String what;
        if (random.nextBoolean()) {
          int at = d[0] + random.nextInt(d[1]);
          bytes[at] = (byte) (bytes[at] == 'X' ? 'Y' : 'X');
          what = "changed character " + (at - d[0]) + " of class name " + className;
        } else {
          int at = d[0] + d[1] + random.nextInt(8);
          bytes[at] ^= (byte) (1 << random.nextInt(8));
          what = "flipped a bit of " + className + "'s serialVersionUID";
        }
        write(dir, name, bytes, dropCrc);
        return new Damage(what + " in " + name + crcNote(dropCrc), Set.of(name), dropCrc, true);
      }
      default: {
        // two at once: a part cut short and another deleted
        if (parts.size() < 2) {
          return Damage.none();
        }
        String cut = pick(parts, random);
        String gone = pick(parts, random);
        if (cut.equals(gone)) {
          return Damage.none();
        }
        byte[] bytes = Files.readAllBytes(dir.resolve(cut));
        write(dir, cut, Arrays.copyOf(bytes, bytes.length / 2), true);
        Files.delete(dir.resolve(gone));
        Files.deleteIfExists(dir.resolve("." + gone + ".crc"));
        return new Damage("cut " + cut + " in half and deleted " + gone, Set.of(cut, gone),
            true);
      }
    }
  }

  /**
   * Where Java serialization's class descriptors name their classes in {@code bytes}: TC_CLASSDESC
   * (0x72), a two-byte length, the name, then eight bytes of serialVersionUID. Each as {offset of
   * the name, its length}.
   */
  private static List<int[]> classDescriptors(byte[] bytes) {
    List<int[]> found = new ArrayList<>();
    for (int i = 0; i + 3 < bytes.length; i++) {
      int length = ((bytes[i + 1] & 0xff) << 8) | (bytes[i + 2] & 0xff);
      if (bytes[i] != 0x72 || length < 3 || i + 3 + length + 8 > bytes.length) {
        continue;
      }
      boolean name = true;
      for (int j = i + 3; j < i + 3 + length && name; j++) {
        char c = (char) bytes[j];
        name = Character.isJavaIdentifierPart(c) || c == '.' || c == '[' || c == ';';
      }
      if (name) {
        found.add(new int[] {i + 3, length});
      }
    }
    return found;
  }

  private static String crcNote(boolean dropCrc) {
    return dropCrc ? " (and removed its .crc)" : " (its .crc kept)";
  }

  private static void write(Path dir, String name, byte[] bytes, boolean dropCrc)
      throws IOException {
    Files.write(dir.resolve(name), bytes);
    if (dropCrc) {
      Files.deleteIfExists(dir.resolve("." + name + ".crc"));
    }
  }

  private static String pick(List<String> names, Random random) {
    return names.get(random.nextInt(names.size()));
  }

  private static List<String> names(Path dir, java.util.function.Predicate<String> which)
      throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return new ArrayList<>(new LinkedHashSet<>(s.map(p -> p.getFileName().toString())
          .filter(which).sorted().toList()));
    }
  }
}
