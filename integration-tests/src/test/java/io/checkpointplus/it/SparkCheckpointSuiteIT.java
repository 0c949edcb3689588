package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Spark's own {@code org.apache.spark.CheckpointSuite}, with its companions
 * {@code CheckpointStorageSuite} (checkpoint directory, compression, cleaning) and
 * {@code PeriodicRDDCheckpointerSuite} (MLlib's periodic checkpointer), from this line's published
 * tests jar of spark-core, and Spark Streaming's {@code CheckpointSuite} from the spark-streaming
 * tests jar, each run with the plugin on.
 *
 * <p>The runs themselves are scalatest-maven-plugin executions of integration-tests/pom.xml, in
 * the {@code integration-test} phase before this test: one forked JVM per suite set, whose every
 * SparkContext loads the plugin (its jar on the class path, as users deploy it) through the
 * {@code spark.plugins} system property. This test reads what each execution left in
 * {@code target/spark-suites/<execution id>}: the JUnit XML reports (which tests failed, which
 * suites aborted), ScalaTest's run summary in {@code scalatest-output.txt} (succeeded and canceled
 * counts), and the plugin's audit trail, which proves the plugin did the checkpointing.
 *
 * <p>On Spark 4.x, CheckpointStorageSuite's {@code cache checkpoint preferred location} does not
 * run: Spark publishes that tests jar without the Guava relocation of its main jar, so the test
 * cannot link (root pom, {@code spark.core.checkpoint.suites}). The streaming tests jar is the
 * line's own where published; where a patch release has none the
 * root pom's line profile names the nearest published one ({@code spark.streaming.tests.version}:
 * 3.5.7 on 3.5.9, 4.1.0 on 4.2.0).
 */
class SparkCheckpointSuiteIT {
  private static final List<String> CORE_SUITES = List.of("org.apache.spark.CheckpointSuite",
      "org.apache.spark.CheckpointStorageSuite",
      "org.apache.spark.util.PeriodicRDDCheckpointerSuite");
  private static final List<String> STREAMING_SUITES =
      List.of("org.apache.spark.streaming.CheckpointSuite");

  private static final Pattern TESTS_SUMMARY = Pattern.compile(
      "Tests: succeeded (\\d+), failed (\\d+), canceled (\\d+), ignored (\\d+), pending (\\d+)");
  private static final Pattern SUITES_SUMMARY =
      Pattern.compile("Suites: completed (\\d+), aborted (\\d+)");

  /**
   * What one scalatest-maven-plugin execution left behind.
   *
   * @param failed every failed test as {@code suite class: test name}, from the JUnit XML reports
   * @param abortedSuites suites the XML reports record as aborted
   * @param succeeded ScalaTest's count of succeeded tests
   * @param canceled ScalaTest's count of canceled tests
   * @param suitesAborted ScalaTest's count of aborted suites
   */
  private record SuiteSetRun(Set<String> failed, Set<String> abortedSuites, int succeeded,
      int canceled, int suitesAborted, AuditTrail audit, Path dir) {

    static SuiteSetRun read(String executionId, List<String> suites) {
      Path dir = Path.of(System.getProperty("spark.suites.dir", "target/spark-suites"))
          .toAbsolutePath().resolve(executionId);
      Path output = dir.resolve("scalatest-output.txt");
      if (!Files.isRegularFile(output)) {
        fail(output + " is missing: the scalatest-maven-plugin execution '" + executionId
            + "' did not run; run the tests through 'mvn verify' from the repository root");
      }
      String text = read(output);
      Matcher tests = TESTS_SUMMARY.matcher(text);
      Matcher suiteCounts = SUITES_SUMMARY.matcher(text);
      if (!tests.find() || !suiteCounts.find()) {
        fail("no ScalaTest run summary in " + output);
      }
      Set<String> failed = new TreeSet<>();
      Set<String> aborted = new TreeSet<>();
      for (String suite : suites) {
        readJUnitXml(dir.resolve("junitxml").resolve("TEST-" + suite + ".xml"), suite, failed,
            aborted);
      }
      SuiteSetRun run = new SuiteSetRun(failed, aborted, Integer.parseInt(tests.group(1)),
          Integer.parseInt(tests.group(3)), Integer.parseInt(suiteCounts.group(2)),
          AuditTrail.read(dir.resolve("checkpoint-audit.jsonl")), dir);
      // A suite run twice with different test selections (Spark 4.x's CheckpointStorageSuite,
      // root pom spark.core.checkpoint.suites) keeps only its last XML report; the count still
      // covers every run, so no failure goes unseen.
      assertEquals(Integer.parseInt(tests.group(2)), failed.size(),
          "ScalaTest counted " + tests.group(2) + " failed tests, the XML reports show " + failed
              + "; see " + output);
      return run;
    }

    private static void readJUnitXml(Path xml, String suite, Set<String> failed,
        Set<String> aborted) {
      if (!Files.isRegularFile(xml)) {
        fail(suite + " did not run: no " + xml);
      }
      try {
        Element testsuite = DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(xml.toFile()).getDocumentElement();
        if (Integer.parseInt(testsuite.getAttribute("errors")) > 0) {
          aborted.add(suite);
        }
        NodeList testcases = testsuite.getElementsByTagName("testcase");
        assertTrue(testcases.getLength() > 0, suite + " ran no tests: " + xml);
        for (int i = 0; i < testcases.getLength(); i++) {
          Element testcase = (Element) testcases.item(i);
          if (testcase.getElementsByTagName("failure").getLength() > 0) {
            failed.add(suite + ": " + testcase.getAttribute("name"));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (Exception e) {
        throw new IllegalStateException("unreadable JUnit XML report " + xml, e);
      }
    }

    private static String read(Path file) {
      try {
        return Files.readString(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Nothing aborted or canceled, at least {@code minSucceeded} tests passed. */
    void assertCompleted(int minSucceeded) {
      String see = "; see " + dir;
      assertEquals(Set.of(), abortedSuites, "aborted suites" + see);
      assertEquals(0, suitesAborted, "aborted suites" + see);
      assertEquals(0, canceled, "canceled tests" + see);
      assertTrue(succeeded >= minSucceeded, "only " + succeeded + " tests succeeded" + see);
    }

    void assertThePluginDidTheCheckpointing(int contexts, int checkpoints) {
      long installed = audit.ofType("hook.status").stream()
          .filter(e -> e.get("status").asText().equals("installed")).count();
      assertTrue(installed >= contexts, "the plugin was active in the suites' SparkContexts: "
          + installed + "; see " + dir);
      assertTrue(audit.ofType("checkpoint.completed").size() >= checkpoints,
          "the plugin wrote the suites' checkpoints: "
              + audit.ofType("checkpoint.completed").size() + "; see " + dir);
    }
  }

  @Test
  void sparksCheckpointSuitesPassWithThePluginInSparksOwnAncestorMode() {
    SuiteSetRun run = SuiteSetRun.read("core-nearest", CORE_SUITES);
    assertEquals(Set.of(), run.failed(), "see " + run.dir());
    run.assertCompleted(32);
    run.assertThePluginDidTheCheckpointing(27, 41);
  }

  /**
   * With the defaults, one test of Spark's fails by design: {@code checkpointAllMarkedAncestors
   * [reliable checkpoint]} asserts that without Spark's thread-local property a marked parent is
   * NOT checkpointed, and the default policy {@code marked} checkpoints every marked ancestor.
   * It is the only difference, and the run above shows {@code nearest} restores Spark's rule.
   */
  @Test
  void withTheDefaultPolicyTheOnlyDifferenceIsTheAncestorRule() {
    SuiteSetRun run = SuiteSetRun.read("core-default-policy", CORE_SUITES);
    assertEquals(Set.of("org.apache.spark.CheckpointSuite:"
        + " checkpointAllMarkedAncestors [reliable checkpoint]"), run.failed(), "see " + run.dir());
    run.assertCompleted(31);
    run.assertThePluginDidTheCheckpointing(27, 41);
  }

  /**
   * Spark Streaming's own {@code org.apache.spark.streaming.CheckpointSuite} (metadata
   * checkpoints, recovery of every kind of DStream, {@code DStreamCheckpointData}), with the
   * defaults.
   */
  @Test
  void sparkStreamingCheckpointSuitePassesWithThePlugin() {
    SuiteSetRun run = SuiteSetRun.read("streaming-default-policy", STREAMING_SUITES);
    assertEquals(Set.of(), run.failed(), "see " + run.dir());
    run.assertCompleted(18);
    run.assertThePluginDidTheCheckpointing(18, 20);
  }
}
