package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.checkpointplus.spark.LocalSpark;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.io.CompressionCodec$;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.streaming.Checkpoint;
import org.apache.spark.streaming.CheckpointReader$;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.api.java.JavaDStream;
import org.apache.spark.streaming.api.java.JavaPairDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.dstream.DStream;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * {@code upgrade-check} against real Spark, on generated class evolutions
 * ({@link ClassEvolutions}: Java classes compiled by {@code javac}, Scala case classes, case
 * objects and functions by the Scala compiler of the test's Scala version, each language's
 * sources of one build in one compiler run): one real streaming application, built from the
 * first version of every case's class, writes a (compressed) checkpoint whose metadata holds
 * the objects of half the cases and whose {@code updateStateByKey} state holds the others'.
 * Then for each case, the new build (that case's second version, every other case unchanged)
 * is judged by {@code upgrade-check} and by what a restart does: {@code CheckpointReader.read}
 * with the build's class loader as context loader (what {@code StreamingContext.getOrCreate}
 * does), then a read of every state {@code rdd-N} file the restored graph references with
 * Spark's own serializer and the build's loader (what the restored state RDD's tasks do). The
 * rule: never "would succeed" where that fails. The build's classes of other cases are spread
 * over block jars passed with {@code --jars}, so every case also exercises dependency jars.
 *
 * <p>{@code -Dupgradecheck.cases=N} (default 200) and {@code -Dupgradecheck.seed=S} (default:
 * random, printed) for a long run or a replay.
 */
class UpgradeCheckDifferentialTest {
  @TempDir
  Path tmp;

  @Test
  void neverWouldSucceedWhereTheRealRestartFails() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer(); // one checkpoint, Java serialization throughout
    long seed = Long.getLong("upgradecheck.seed", System.nanoTime());
    int count = Integer.getInteger("upgradecheck.cases", 200);
    String replay = "(replay: -Dupgradecheck.seed=" + seed + " -Dupgradecheck.cases=" + count
        + ")";
    System.out.println("UpgradeCheckDifferentialTest: " + count + " cases, seed " + seed);
    long started = System.nanoTime();
    List<ClassEvolutions.Case> cases = ClassEvolutions.generate(seed, count);
    Map<String, String> sources1 = new TreeMap<>();
    Map<String, String> sources2 = new TreeMap<>();
    Map<String, String> scala1 = new TreeMap<>();
    Map<String, String> scala2 = new TreeMap<>();
    for (ClassEvolutions.Case c : cases) {
      (c.scala() ? scala1 : sources1).putAll(c.v1());
      (c.scala() ? scala2 : sources2).putAll(c.v2());
    }
    Map<Integer, Map<String, byte[]>> v1 = new TreeMap<>();
    Map<Integer, Map<String, byte[]>> v2 = new TreeMap<>();
    if (!sources1.isEmpty()) {
      v1.putAll(byCase(AppBuilds.compile(tmp, "v1", sources1)));
    }
    if (!sources2.isEmpty()) {
      v2.putAll(byCase(AppBuilds.compile(tmp, "v2", sources2)));
    }
    if (!scala1.isEmpty()) {
      long compiling = System.nanoTime();
      v1.putAll(byCase(AppBuilds.compileScala(tmp, "v1", scala1)));
      if (!scala2.isEmpty()) {
        v2.putAll(byCase(AppBuilds.compileScala(tmp, "v2", scala2)));
      }
      System.out.printf("UpgradeCheckDifferentialTest: %d Scala cases, compiled by Scala %s"
          + " in %.1f s%n", cases.stream().filter(ClassEvolutions.Case::scala).count(),
          scala.util.Properties.versionNumberString(), (System.nanoTime() - compiling) / 1e9);
    }
    Map<String, byte[]> all1 = new TreeMap<>();
    v1.values().forEach(all1::putAll);
    Path writerJar = AppBuilds.jar(tmp.resolve("v1.jar"), all1);
    Path root = tmp.resolve("checkpoint");
    writeCheckpoint(root, writerJar, cases);

    int block = Math.max(1, (int) Math.ceil(Math.sqrt(count)));
    List<Path> blockJars = new ArrayList<>();
    for (int b = 0; b * block < count; b++) {
      Map<String, byte[]> entries = new TreeMap<>();
      for (int id = b * block; id < Math.min(count, (b + 1) * block); id++) {
        entries.putAll(v1.getOrDefault(id, Map.of()));
      }
      blockJars.add(AppBuilds.jar(tmp.resolve("v1-block" + b + ".jar"), entries));
    }

    Configuration hadoopConf = new Configuration();
    ClassEvolutions.Case sample = null;
    URL[] sampleUrls = null;
    int succeed = 0;
    int cannotTell = 0;
    int succeedApartFromOthers = 0;
    java.util.Set<String> othersUnchecked = new java.util.TreeSet<>();
    List<String> violations = new ArrayList<>();
    List<String> falseAlarms = new ArrayList<>();
    Map<String, int[]> byKind = new TreeMap<>(); // kind -> {restart ok, restart failed}
    for (ClassEvolutions.Case c : cases) {
      int b = c.id() / block;
      Map<String, byte[]> neighbours = new TreeMap<>();
      for (int id = b * block; id < Math.min(count, (b + 1) * block); id++) {
        if (id != c.id()) {
          neighbours.putAll(v1.getOrDefault(id, Map.of()));
        }
      }
      Map<String, byte[]> evolved = v2.getOrDefault(c.id(), Map.of());
      List<Path> jars = new ArrayList<>();
      Path main;
      if (c.inJars()) {
        main = AppBuilds.jar(tmp.resolve("case" + c.id() + ".jar"), neighbours);
        jars.add(AppBuilds.jar(tmp.resolve("case" + c.id() + "-dep.jar"), evolved));
      } else {
        Map<String, byte[]> both = new TreeMap<>(neighbours);
        both.putAll(evolved);
        main = AppBuilds.jar(tmp.resolve("case" + c.id() + ".jar"), both);
      }
      for (int other = 0; other < blockJars.size(); other++) {
        if (other != b) {
          jars.add(blockJars.get(other));
        }
      }
      InspectorRun run = InspectorRun.of("upgrade-check", root.toString(), "--jar",
          main.toString(), "--jars", String.join(",", jars.stream().map(Path::toString)
              .toList()));
      List<URL> urls = new ArrayList<>();
      urls.add(main.toUri().toURL());
      for (Path j : jars) {
        urls.add(j.toUri().toURL());
      }
      Throwable real = realRestart(root, urls.toArray(new URL[0]), hadoopConf);
      boolean othersOnly = run.exitCode() == 4
          && onlyOtherCasesUnchecked(run.out(), c.id(), othersUnchecked);
      if (sample == null && real == null && (run.exitCode() == 0 || othersOnly)
          && !c.kind().equals("same")
          && c.place() == ClassEvolutions.Place.STATE) {
        sample = c;
        sampleUrls = urls.toArray(new URL[0]);
      }
      byKind.computeIfAbsent(c.kind(), k -> new int[2])[real == null ? 0 : 1]++;
      String report = "case " + c.id() + ": " + c.description() + "\n--- real restart: "
          + (real == null ? "succeeds" : rootCause(real)) + "\n--- upgrade-check:\n"
          + run.out() + run.err();
      switch (run.exitCode()) {
        case 0 -> {
          succeed++;
          if (real != null) {
            violations.add(report);
          }
        }
        case 1 -> {
          if (real == null) {
            falseAlarms.add(report);
          }
        }
        case 4 -> {
          if (othersOnly) {
            // Other cases' classes are unchanged in this build: what the case itself changed
            // is judged "would succeed", and the restart must bear that out.
            succeedApartFromOthers++;
            if (real != null) {
              violations.add(report);
            }
          } else {
            cannotTell++;
          }
        }
        default -> fail("upgrade-check exit " + run.exitCode() + " " + replay + "\n" + report);
      }
    }
    System.out.printf("UpgradeCheckDifferentialTest: %d cases in %.1f s: %d would succeed, %d"
        + " would succeed but for other cases' unchanged classes, %d cannot tell, %d false"
        + " alarms; restarts (ok/failed) by kind %s%n", count,
        (System.nanoTime() - started) / 1e9, succeed, succeedApartFromOthers, cannotTell,
        falseAlarms.size(), byKindText(byKind));
    othersUnchecked.forEach(u -> System.out.println("  other cases' unchecked: " + u));
    falseAlarms.forEach(a -> System.out.println("FALSE ALARM " + a));
    if (!violations.isEmpty()) {
      fail(violations.size() + " cases where upgrade-check says 'would succeed' but the"
          + " restart fails " + replay + ":\n\n" + String.join("\n\n", violations));
    }
    assertTrue(byKind.values().stream().anyMatch(n -> n[1] > 0) || count < 20,
        "some generated evolutions break the restart " + replay);
    assertEquals(List.of(), falseAlarms, "'would FAIL' where the restart succeeds " + replay);
    if (sample != null) {
      // One full restart (last: it rewrites the checkpoint) confirms the reads stand for it.
      Throwable full;
      try (URLClassLoader loader = new URLClassLoader(sampleUrls,
          UpgradeCheckDifferentialTest.class.getClassLoader())) {
        full = StreamingRestart.failure(root, loader, 2);
      }
      assertEquals(null, full, "a full StreamingContext restart with case " + sample.id()
          + " (" + sample.description() + ") " + replay);
      System.out.println("UpgradeCheckDifferentialTest: full restart with case " + sample.id()
          + " (" + sample.kind() + ") succeeded as predicted");
    }
  }

  private static final java.util.regex.Pattern UNCHECKED = java.util.regex.Pattern.compile(
      "^  unchecked (?:lambda )?c(\\d+)\\.(\\S+?)(?::.*)?\\n\\s+(.*)$",
      java.util.regex.Pattern.MULTILINE);

  /**
   * Whether every class upgrade-check could not check ("cannot tell") is another case's, which
   * this build has unchanged (an Externalizable class's readExternal, the new build's code, is
   * never decided, even where it did not change): then the verdict on what this case changed
   * is "would succeed". Adds those classes' reasons, by kind, to {@code others}.
   */
  private static boolean onlyOtherCasesUnchecked(String out, int id, java.util.Set<String> others) {
    int unchecked = (int) out.lines().filter(l -> l.startsWith("  unchecked ")).count();
    java.util.regex.Matcher m = UNCHECKED.matcher(out);
    int foreign = 0;
    List<String> reasons = new ArrayList<>();
    while (m.find()) {
      if (Integer.parseInt(m.group(1)) == id) {
        return false;
      }
      foreign++;
      reasons.add(m.group(3).replaceAll("c\\d+\\.", "c*.")
          .replaceAll(" \\(the class is in the state data .*", ""));
    }
    others.addAll(reasons);
    return unchecked > 0 && foreign == unchecked;
  }

  private static String byKindText(Map<String, int[]> byKind) {
    StringBuilder sb = new StringBuilder();
    byKind.forEach((k, n) -> sb.append(k).append('=').append(n[0]).append('/').append(n[1])
        .append(' '));
    return sb.toString().trim();
  }

  private static String rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.toString();
  }

  /** Class file entries of a compiler output directory by case ({@code c<id>/...}). */
  private static Map<Integer, Map<String, byte[]>> byCase(Path classes) throws Exception {
    Map<Integer, Map<String, byte[]>> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        String entry = classes.relativize(f).toString().replace('\\', '/');
        int id = Integer.parseInt(entry.substring(1, entry.indexOf('/')));
        out.computeIfAbsent(id, k -> new TreeMap<>()).put(entry, Files.readAllBytes(f));
      }
    }
    return out;
  }

  /**
   * Runs the application built from every case's first version: graph cases' objects carried
   * by a map function, state cases' objects as {@code updateStateByKey} state, checkpointed
   * every batch, compressed.
   */
  private static void writeCheckpoint(Path root, Path writerJar, List<ClassEvolutions.Case> cases)
      throws Exception {
    try (URLClassLoader loader = AppBuilds.loader(writerJar)) {
      Thread t = Thread.currentThread();
      ClassLoader previous = t.getContextClassLoader();
      t.setContextClassLoader(loader);
      List<Object> carried = new ArrayList<>();
      List<String> makers = new ArrayList<>();
      for (ClassEvolutions.Case c : cases) {
        if (c.place() == ClassEvolutions.Place.GRAPH) {
          carried.add(EvolvedObjects.make(c.maker(), loader));
        } else {
          makers.add(c.maker());
        }
      }
      int keys = makers.size();
      JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(
          new SparkContext(new SparkConf(false).setMaster("local[2]").setAppName("evolutions")
              .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
              .set("spark.serializer", StreamingRddData.JAVA_SERIALIZER)
              .set("spark.checkpoint.compress", "true"))), Durations.milliseconds(200));
      try {
        ssc.checkpoint(root.toString());
        JavaDStream<Integer> input = new JavaDStream<>(new NumberStream(ssc), NumberStream.TAG)
            .map(new EvolvedObjects.Carry(carried));
        input.foreachRDD(r -> {
          r.count();
        });
        JavaPairDStream<Integer, Object> state = input.flatMapToPair(x -> {
          List<Tuple2<Integer, Integer>> out = new ArrayList<>();
          for (int k = 0; x == 0 && k < keys; k++) {
            out.add(new Tuple2<>(k, k));
          }
          return out.iterator();
        }).updateStateByKey(new EvolvedObjects.Grow(makers));
        state.checkpoint(Durations.milliseconds(200));
        state.foreachRDD(r -> {
          r.count();
        });
        CountDownLatch done = new CountDownLatch(3);
        ssc.addStreamingListener(new StreamingListener() {
          @Override
          public void onBatchCompleted(StreamingListenerBatchCompleted completed) {
            done.countDown();
          }
        });
        ssc.start();
        assertTrue(done.await(180, TimeUnit.SECONDS), "3 batches within 180 s");
      } finally {
        ssc.stop(true, false);
        LocalSpark.stop(ssc.sparkContext().sc());
        t.setContextClassLoader(previous);
      }
    }
  }

  /**
   * What a restart with {@code urls} does with the checkpoint: read the metadata as
   * {@code StreamingContext.getOrCreate} does, then every state {@code rdd-N} file its graph
   * references as the restored state RDD's tasks do. Null when all of it reads.
   */
  private static Throwable realRestart(Path root, URL[] urls, Configuration hadoopConf)
      throws Exception {
    try (URLClassLoader loader = new URLClassLoader(urls,
        UpgradeCheckDifferentialTest.class.getClassLoader())) {
      Thread t = Thread.currentThread();
      ClassLoader previous = t.getContextClassLoader();
      t.setContextClassLoader(loader);
      try {
        Checkpoint cp = CheckpointReader$.MODULE$.read(root.toString(), new SparkConf(false),
            hadoopConf, false).get();
        SparkConf conf = cp.createSparkConf();
        for (String dir : stateFiles(cp)) {
          readLikeATask(new org.apache.hadoop.fs.Path(dir), conf, loader, hadoopConf);
        }
        return null;
      } catch (Exception | LinkageError e) {
        return e;
      } finally {
        t.setContextClassLoader(previous);
      }
    }
  }

  /** The {@code rdd-N} directories the restored graph's DStreams reference. */
  private static List<String> stateFiles(Checkpoint cp) {
    List<String> out = new ArrayList<>();
    Map<DStream<?>, Boolean> seen = new IdentityHashMap<>();
    List<DStream<?>> todo = new ArrayList<>(Arrays.asList(cp.graph().getOutputStreams()));
    while (!todo.isEmpty()) {
      DStream<?> d = todo.remove(todo.size() - 1);
      if (seen.put(d, true) != null) {
        continue;
      }
      scala.collection.Iterator<String> files = d.checkpointData().currentCheckpointFiles()
          .valuesIterator();
      while (files.hasNext()) {
        out.add(files.next());
      }
      scala.collection.Iterator<DStream<?>> parents = d.dependencies().iterator();
      while (parents.hasNext()) {
        todo.add(parents.next());
      }
    }
    return out;
  }

  /** {@code ReliableCheckpointRDD.readCheckpointFile} for each part file, every record. */
  private static void readLikeATask(org.apache.hadoop.fs.Path dir, SparkConf conf,
      ClassLoader loader, Configuration hadoopConf) throws Exception {
    FileSystem fs = dir.getFileSystem(hadoopConf);
    FileStatus[] parts = fs.listStatus(dir, p -> p.getName().startsWith("part-"));
    Arrays.sort(parts, Comparator.comparing(s -> s.getPath().getName()));
    for (FileStatus part : parts) {
      InputStream raw = fs.open(part.getPath());
      InputStream in = io.checkpointplus.spark.files.CheckpointFileManager.isCompressed(conf)
          ? CompressionCodec$.MODULE$.createCodec(conf).compressedInputStream(raw) : raw;
      JavaSerializer serializer = new JavaSerializer(conf);
      serializer.setDefaultClassLoader(loader);
      try (InputStream closing = in) {
        scala.collection.Iterator<Object> records = serializer.newInstance()
            .deserializeStream(closing).asIterator();
        while (records.hasNext()) {
          records.next();
        }
      }
    }
  }
}
