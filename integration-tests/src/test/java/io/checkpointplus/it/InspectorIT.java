package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The offline inspector end to end, as users run it: {@code bin/checkpoint-plus} with a Spark
 * home whose {@code jars/} is this line's Spark, on checkpoints of real applications: the
 * {@code RealtimeFeatures} example through SparkSubmit with the plugin (DStream metadata and
 * state checkpoints) and a Structured Streaming query's checkpoint location, intact and damaged
 * (a batch with offsets but no commit, a torn offset log entry, a missing state version).
 */
class InspectorIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path work;
  private static Path sparkHome;

  /** One run of the launcher: exit code, standard output, standard error. */
  private record Run(int exitCode, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + this, e);
      }
    }
  }

  @BeforeAll
  static void sparkHome() throws IOException {
    work = ChildJvm.workDir("inspector");
    sparkHome = work.resolve("spark-home");
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    for (String entry : ChildJvm.sparkClasspath().split(File.pathSeparator)) {
      Path jar = Path.of(entry);
      Path link = jars.resolve(jar.getFileName());
      if (entry.endsWith(".jar") && !Files.exists(link)) {
        Files.createSymbolicLink(link, jar.toAbsolutePath());
      }
    }
  }

  private static Run inspect(String... args) {
    return inspect(java.util.Map.of(), args);
  }

  /** A run of the launcher with {@code env} added to its environment. */
  private static Run inspect(java.util.Map<String, String> env, String... args) {
    try {
      List<String> command = new ArrayList<>(List.of("bash",
          Path.of("..", "bin", "checkpoint-plus").toAbsolutePath().normalize().toString()));
      command.addAll(List.of(args));
      Path out = Files.createTempFile(work, "inspect", ".out");
      Path err = Files.createTempFile(work, "inspect", ".err");
      ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile())
          .redirectError(err.toFile());
      pb.environment().put("SPARK_HOME", sparkHome.toString());
      pb.environment().put("CHECKPOINT_PLUS_JAR", ChildJvm.pluginJar().toString());
      pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError("checkpoint-plus did not finish: " + command);
      }
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theJarNamesTheInspectorAsItsMainClass() throws IOException {
    try (JarFile jar = new JarFile(ChildJvm.pluginJar().toFile())) {
      assertEquals("io.checkpointplus.spark.inspector.CheckpointPlusCommand",
          jar.getManifest().getMainAttributes().getValue("Main-Class"));
    }
    Run help = inspect("help");
    assertEquals(0, help.exitCode(), help.toString());
    assertTrue(help.out().contains("Exit codes:"), help.out());
  }

  @Test
  void realtimeFeaturesCheckpointIsShownVerifiedAndCompatibleWithItsOwnJar() {
    Path cp = work.resolve("features-cp");
    Path audit = work.resolve("features-audit.jsonl");
    SparkSubmitRun.of("io.checkpointplus.examples.RealtimeFeatures").master(SparkSubmitRun.LOCAL)
        .withPlugin().conf("spark.checkpointplus.audit.path", audit.toString())
        .args("--checkpoint", cp.toString(), "--output", work.resolve("features-out").toString(),
            "--batches", "8", "--batch-ms", "500", "--checkpoint-every", "2")
        .run(work, "features").assertSucceeded();

    Run show = inspect("show", cp.toString(), "--json");
    assertEquals(0, show.exitCode(), show.toString());
    JsonNode s = show.json();
    assertEquals("RealtimeFeatures", s.get("appName").asText());
    assertTrue(s.get("pluginEnabled").asBoolean());
    List<String> classes = new ArrayList<>();
    int referenced = 0;
    for (JsonNode d : s.get("dstreams")) {
      classes.add(d.get("class").asText());
      referenced += d.get("checkpointFiles").size();
    }
    assertTrue(classes.contains("io.checkpointplus.examples.GeneratedEventStream"), classes
        .toString());
    assertTrue(classes.contains("org.apache.spark.streaming.dstream.StateDStream"), classes
        .toString());
    assertTrue(classes.contains("org.apache.spark.streaming.dstream.ReducedWindowedDStream"),
        classes.toString());
    assertTrue(referenced > 0, "state checkpoints referenced: " + show.out());

    Run verify = inspect("verify", cp.toString(), "--checksum");
    assertEquals(0, verify.exitCode(), verify.toString());
    Run list = inspect("list", cp.toString(), "--json");
    assertEquals(0, list.exitCode(), list.toString());
    JsonNode app = list.json().get("applicationDirectories").get(0);
    assertEquals("RealtimeFeatures", app.get("appName").asText());
    assertTrue(app.get("referencedByLatestMetadata").asBoolean(), list.out());

    Run upgrade = inspect("upgrade-check", cp.toString(), "--jar",
        ChildJvm.examplesJar().toString());
    assertEquals(0, upgrade.exitCode(), "the same build restarts: " + upgrade);

    Run summary = inspect("summary", cp.toString(), "--audit", audit.toString(), "--json");
    assertEquals(0, summary.exitCode(), summary.toString());
    assertTrue(summary.json().get("checkpointsWritten").asInt() > 0, summary.out());
    assertEquals(0, summary.json().get("checkpointsFailed").asInt(), summary.out());
  }

  /** Runs a stateful Structured Streaming query twice over new files: batches 0 and 1. */
  private static Path structuredStreamingCheckpoint() throws Exception {
    Path input = Files.createDirectories(work.resolve("ss-input"));
    Path location = work.resolve("ss-checkpoint");
    SparkSession spark = SparkSession.builder().master("local[2]").appName("ss-inspected")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "3").getOrCreate();
    try {
      for (int batch = 0; batch < 2; batch++) {
        Files.writeString(input.resolve("words-" + batch + ".txt"), "a\nb\na\nc" + batch + "\n");
        Dataset<Row> counts = spark.readStream().text(input.toString()).groupBy("value")
            .count();
        counts.writeStream().format("noop").outputMode("complete")
            .option("checkpointLocation", location.toString())
            .trigger(Trigger.AvailableNow()).start().awaitTermination();
      }
    } finally {
      spark.stop();
    }
    return location;
  }

  private static Path copy(Path from, String name) throws IOException {
    Path to = work.resolve(name);
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return to;
  }

  @Test
  void structuredStreamingLocationIsListedAndVerified() throws Exception {
    Path location = structuredStreamingCheckpoint();
    Run list = inspect("list", location.toString(), "--json");
    assertEquals(0, list.exitCode(), list.toString());
    JsonNode j = list.json();
    assertEquals("structured-streaming", j.get("kind").asText());
    assertEquals(1, j.get("lastCommittedBatch").asInt(), list.out());
    assertEquals(1, j.get("stateOperators").size(), list.out());
    assertEquals(3, j.get("stateOperators").get(0).get("partitions").asInt());
    assertTrue(j.get("intact").asBoolean(), list.out());
    assertEquals(0, inspect("verify", location.toString()).exitCode());

    Path noMiddleCommit = copy(location, "ss-no-commit-0");
    Files.delete(noMiddleCommit.resolve("commits/0"));
    Run gap = inspect("verify", noMiddleCommit.toString());
    // A restart reads only the newest commit, so an older one missing is a note, not damage
    // (QueryLocationVerifyTest proves that verdict against a real restart).
    assertEquals(0, gap.exitCode(), gap.toString());
    assertTrue(gap.out().contains("note") && gap.out().contains("batch 0 has offsets but no"
        + " commit, while later batch 1 is committed; no restart reads that commit"), gap.out());

    Path pending = copy(location, "ss-pending");
    Files.delete(pending.resolve("commits/1"));
    Run running = inspect("verify", pending.toString());
    assertEquals(0, running.exitCode(), "a batch still to run is no damage: " + running);
    assertTrue(running.out().contains("batch 1 has offsets but no commit: it was running"),
        running.out());

    Path torn = copy(location, "ss-torn");
    Files.writeString(torn.resolve("offsets/1"), "v1\n{\"batchWatermarkMs\":0,\"batch");
    Files.deleteIfExists(torn.resolve("offsets/.1.crc"));
    Run unparsable = inspect("verify", torn.toString(), "--json");
    assertEquals(1, unparsable.exitCode(), unparsable.toString());
    assertTrue(unparsable.out().contains("line 2 is not JSON"), unparsable.out());

    Path noState = copy(location, "ss-no-state");
    Files.delete(noState.resolve("state/0/1/2.delta"));
    Run missing = inspect("verify", noState.toString());
    assertEquals(1, missing.exitCode(), missing.toString());
    assertTrue(missing.out().contains("state/0/1/2.delta: missing, needed") && missing.out()
        .contains("the restart fails when it runs that batch"), missing.out());
  }

  /**
   * A Kryo checkpoint verified through bin/checkpoint-plus: Kryo needs Spark's JDK 17
   * --add-opens flags, which the script passes (without them every record sample fails and the
   * checkpoint is reported DAMAGED).
   */
  @Test
  void kryoCheckpointIsVerifiedThroughTheScript() throws Exception {
    Path root = work.resolve("kryo-checkpoints");
    SparkSession spark = SparkSession.builder().master("local[2]").appName("kryo-inspected")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .getOrCreate();
    try {
      org.apache.spark.api.java.JavaSparkContext jsc =
          org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
      jsc.setCheckpointDir(root.toString());
      List<String> words = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        words.add("word-" + i);
      }
      // Records Kryo writes and reads back (an immutable List.of has no constructor Kryo uses).
      org.apache.spark.api.java.JavaRDD<String> rdd = jsc.parallelize(words, 3)
          .map(w -> w + "/" + w.toUpperCase());
      rdd.checkpoint();
      assertEquals(1000, rdd.count());
    } finally {
      spark.stop();
    }
    Run run = inspect("verify", root.toString(), "--conf",
        "spark.serializer=org.apache.spark.serializer.KryoSerializer");
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(!run.out().contains("DAMAGED"), run.out());
  }

  /**
   * A Hadoop file system (scheme {@code extrajar}) that users would bring in a jar of their own,
   * as hadoop-aws brings {@code s3a}: local files under another scheme.
   */
  public static final class ExtraJarFileSystem extends org.apache.hadoop.fs.RawLocalFileSystem {
    @Override
    public java.net.URI getUri() {
      return java.net.URI.create("extrajar:///");
    }

    @Override
    public String getScheme() {
      return "extrajar";
    }
  }

  /**
   * Issue 19, defect 7: a file system whose jar is not among Spark's (s3a on a stock
   * distribution) is found through {@code --jars} before the command, or through
   * {@code SPARK_DIST_CLASSPATH} as Spark's own launcher adds it; without either, the error
   * says how to add it.
   */
  @Test
  void launcherAddsJarsAndSparkDistClasspath() throws Exception {
    Path jar = work.resolve("extra-file-system.jar");
    String entry = ExtraJarFileSystem.class.getName().replace('.', '/') + ".class";
    try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(
        Files.newOutputStream(jar)); java.io.InputStream in = InspectorIT.class.getClassLoader()
            .getResourceAsStream(entry)) {
      out.putNextEntry(new java.util.jar.JarEntry(entry));
      in.transferTo(out);
      out.closeEntry();
    }
    Path root = Files.createDirectories(work.resolve("extrajar-root"));
    String[] list = {"list", "extrajar://" + root, "--conf",
        "fs.extrajar.impl=" + ExtraJarFileSystem.class.getName(), "--json"};
    Run without = inspect(list);
    assertEquals(3, without.exitCode(), without.toString());
    assertTrue(without.json().get("error").get("message").asText().contains("--jars"),
        without.out());

    List<String> withJars = new ArrayList<>(List.of("--jars", jar.toString()));
    withJars.addAll(List.of(list));
    Run viaJars = inspect(withJars.toArray(new String[0]));
    assertEquals(0, viaJars.exitCode(), viaJars.toString());
    assertEquals(1, viaJars.json().get("schemaVersion").asInt(), viaJars.out());

    Run viaDist = inspect(java.util.Map.of("SPARK_DIST_CLASSPATH", jar.toString()), list);
    assertEquals(0, viaDist.exitCode(), viaDist.toString());
  }

  /** With {@code --json}, a usage error is a JSON object on standard output, exit 2. */
  @Test
  void launcherPrintsJsonErrorsAndSubcommandHelp() {
    Run bogus = inspect("verify", "x", "--bogus", "--json");
    assertEquals(2, bogus.exitCode(), bogus.toString());
    assertEquals("usage", bogus.json().get("error").get("kind").asText(), bogus.out());
    Run help = inspect("clean", "--help");
    assertEquals(0, help.exitCode(), help.toString());
    assertTrue(help.out().startsWith("Usage: checkpoint-plus clean"), help.out());
  }
}
