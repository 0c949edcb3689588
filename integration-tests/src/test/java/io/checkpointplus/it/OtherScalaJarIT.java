package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A plugin jar this line's Spark cannot run, through SparkSubmit: the jar built for the other
 * Scala binary version (the 2.12 jar on Spark 4.x, the 2.13 jar on a Scala 2.12 Spark), as a
 * plugin and as a Java agent, and this line's own jar told that Spark has a version outside its
 * verified lines. Each time the application completes with the same output as a stock run, the
 * log holds exactly one warning naming the reason, and the audit file a {@code hook.status}
 * event {@code not-installed}. With the other Scala's jar, the JVM's class-loading log shows that
 * no class of the plugin that links Scala or Spark types was even loaded.
 */
class OtherScalaJarIT {
  private static final String APP = "io.checkpointplus.examples.IterativeRank";
  private static final String BUILD_PROPERTIES = "io/checkpointplus/spark/build.properties";

  private static Path work;
  private static List<String> stockRanks;

  @BeforeAll
  static void runStock() throws IOException {
    work = ChildJvm.workDir("other-scala-jar");
    stockRanks = Files.readAllLines(rank(SparkSubmitRun.of(APP), "stock"));
  }

  private static Path rank(SparkSubmitRun run, String name) {
    run.args("--checkpoint", work.resolve(name + "-cp").toString(),
        "--output", work.resolve(name + "-out").toString(),
        "--nodes", "500", "--iterations", "6", "--every", "3")
        .run(work, name).assertSucceeded();
    return work.resolve(name + "-out").resolve("ranks.txt");
  }

  @Test
  void theOtherScalaVersionsJarLeavesSparkNative() throws IOException {
    String lineScala = scalaBinaryVersion(ChildJvm.pluginJar());
    String otherScala = scalaBinaryVersion(ChildJvm.otherPluginJar());
    assertNotEquals(lineScala, otherScala);
    Path audit = work.resolve("other-jar-audit.jsonl");

    Path ranks = rank(SparkSubmitRun.of(APP).withPlugin().pluginJar(ChildJvm.otherPluginJar())
        .conf("spark.checkpointplus.audit.path", audit.toString())
        .jvmOption(logClassLoading("other-jar")), "other-jar");

    assertEquals(stockRanks, Files.readAllLines(ranks));
    String reason = "Spark " + sparkVersion() + " runs Scala " + lineScala
        + "; this jar is built for Scala " + otherScala + ": use spark-checkpoint-plus_"
        + lineScala + "-";
    assertOneWarningNaming(reason, "other-jar");
    assertNotInstalled(AuditTrail.read(audit), reason);
    assertOnlyJdkOnlyPluginClassesLoaded("other-jar");
  }

  @Test
  void theOtherScalaVersionsJarAsAnAgentLeavesSparkNative() throws IOException {
    String lineScala = scalaBinaryVersion(ChildJvm.pluginJar());
    String otherScala = scalaBinaryVersion(ChildJvm.otherPluginJar());
    Path audit = work.resolve("other-agent-audit.jsonl");

    Path ranks = rank(SparkSubmitRun.of(APP)
        .jvmOption("-javaagent:" + ChildJvm.otherPluginJar())
        .jvmOption("-Dspark.checkpointplus.audit.path=" + audit)
        .jvmOption(logClassLoading("other-agent")), "other-agent");

    assertEquals(stockRanks, Files.readAllLines(ranks));
    String reason = "Spark " + sparkVersion() + " runs Scala " + lineScala
        + "; this jar is built for Scala " + otherScala;
    String log = assertOneWarningNaming(reason, "other-agent");
    assertFalse(log.contains("agent added its plugin"), "the agent must not join the context");
    assertNotInstalled(AuditTrail.read(audit), reason);
    assertOnlyJdkOnlyPluginClassesLoaded("other-agent");
  }

  @Test
  void thisLinesJarOnASparkVersionOutsideItsLinesLeavesSparkNative() throws IOException {
    Path audit = work.resolve("outside-audit.jsonl");

    Path ranks = rank(SparkSubmitRun.of(APP).withPlugin()
        .conf("spark.checkpointplus.testing.sparkVersion", "9.0.0")
        .conf("spark.checkpointplus.audit.path", audit.toString()), "outside");

    assertEquals(stockRanks, Files.readAllLines(ranks));
    String reason = "Spark 9.0.0 is outside the lines this jar was verified on (";
    assertOneWarningNaming(reason, "outside");
    assertNotInstalled(AuditTrail.read(audit), reason);
  }

  /**
   * The plugin classes that may load on a Spark the jar must not touch: the version check, the
   * native plugins and the audit event's JSON Lines and log sinks, which use the JDK and SLF4J
   * alone. Any other class of the plugin links Scala or Spark types.
   */
  private static final Set<String> JDK_ONLY_CLASSES = Set.of(
      "io.checkpointplus.spark.CheckpointPlusPlugin",
      "io.checkpointplus.spark.activation.CheckpointPlusAgent",
      "io.checkpointplus.spark.activation.CheckpointPlusAgent$NativeNotice",
      "io.checkpointplus.spark.activation.SparkVersionSupport",
      "io.checkpointplus.spark.activation.SparkVersionSupport$Verdict",
      "io.checkpointplus.spark.activation.JarBuild",
      "io.checkpointplus.spark.activation.SparkRuntime",
      "io.checkpointplus.spark.activation.PropertiesResource",
      "io.checkpointplus.spark.activation.NativeDriverPlugin",
      "io.checkpointplus.spark.activation.NativeExecutorPlugin",
      "io.checkpointplus.spark.activation.UnsupportedRuntime",
      "io.checkpointplus.spark.audit.AuditEvent",
      "io.checkpointplus.spark.audit.AuditEvent$Type",
      "io.checkpointplus.spark.audit.AuditEvent$Builder",
      "io.checkpointplus.spark.audit.Json",
      "io.checkpointplus.spark.audit.AuditSink",
      "io.checkpointplus.spark.audit.JsonLinesSink",
      "io.checkpointplus.spark.audit.LogSink");

  /** The JVM option that logs every class the child JVM loads to {@code <name>-classes.log}. */
  private static String logClassLoading(String name) {
    return "-Xlog:class+load=info:file=" + work.resolve(name + "-classes.log");
  }

  private static void assertOnlyJdkOnlyPluginClassesLoaded(String name) throws IOException {
    Pattern loaded = Pattern.compile("\\[class,load\\] (io\\.checkpointplus\\.spark\\.\\S+)");
    Set<String> plugin = new TreeSet<>();
    for (String line : Files.readAllLines(work.resolve(name + "-classes.log"))) {
      Matcher m = loaded.matcher(line);
      if (m.find()) {
        plugin.add(m.group(1).replaceFirst("\\$\\$Lambda.*", "")); // a lambda's hidden class
      }
    }
    assertTrue(plugin.contains("io.checkpointplus.spark.activation.SparkVersionSupport"),
        "the class-loading log shows the plugin: " + plugin);
    Set<String> beyond = new TreeSet<>(plugin);
    beyond.removeAll(JDK_ONLY_CLASSES);
    assertEquals(Set.of(), beyond, "plugin classes loaded on a Spark the jar must not touch");
  }

  /** The run's log holds one plugin warning, naming {@code reason}, and no linkage error. */
  private static String assertOneWarningNaming(String reason, String name) throws IOException {
    String log = Files.readString(work.resolve(name + ".log"));
    List<String> warnings = log.lines()
        .filter(l -> l.contains(" WARN ") && l.contains("spark-checkpoint-plus")).toList();
    assertEquals(1, warnings.size(), "one warning, in " + name + ".log: " + warnings);
    assertTrue(warnings.get(0).contains(reason), warnings.get(0));
    assertTrue(warnings.get(0).contains("Spark runs natively"), warnings.get(0));
    for (String error : List.of("LinkageError", "NoSuchMethodError", "NoClassDefFoundError",
        "AbstractMethodError", "IncompatibleClassChangeError")) {
      assertFalse(log.contains(error), error + " in " + name + ".log");
    }
    return log;
  }

  private static void assertNotInstalled(AuditTrail audit, String reason) {
    List<JsonNode> status = audit.ofType("hook.status");
    assertEquals(1, status.size(), status.toString());
    assertEquals("not-installed", status.get(0).get("status").asText());
    assertTrue(status.get(0).get("reason").asText().contains(reason), status.get(0).toString());
    assertTrue(status.get(0).hasNonNull("verifiedRange"), status.get(0).toString());
    assertTrue(audit.ofType("checkpoint.completed").isEmpty(), "Spark checkpointed natively");
  }

  private static String sparkVersion() {
    return System.getProperty("spark.version");
  }

  /** What the jar's own build.properties says it was built for. */
  private static String scalaBinaryVersion(Path jar) {
    try (JarFile file = new JarFile(jar.toFile());
        InputStream in = file.getInputStream(file.getEntry(BUILD_PROPERTIES))) {
      Properties build = new Properties();
      build.load(in);
      return build.getProperty("scala.binary.version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
