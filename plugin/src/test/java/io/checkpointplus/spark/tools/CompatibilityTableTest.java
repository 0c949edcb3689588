package io.checkpointplus.spark.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.tools.CompatibilityTable.Line;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's compatibility table is the build's, every line in it is run by CI, and each jar
 * declares as verified exactly the lines of its Scala version.
 */
class CompatibilityTableTest {
  private static final Path ROOT = Path.of("..", "..");

  private static List<Line> lines() throws Exception {
    return CompatibilityTable.lines(ROOT.resolve("pom.xml"));
  }

  @Test
  void readmeTableIsUpToDate() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    assertEquals(CompatibilityTable.updated(readme, lines()), readme, "README.md's compatibility"
        + " table is out of date: run  mvn -q -pl plugin/scala-2.12 test-compile exec:java"
        + " -Dexec.classpathScope=test -Dexec.mainClass=" + CompatibilityTable.class.getName()
        + " -Dexec.args=README.md");
  }

  @Test
  void ciRunsTheDefaultLineAndEveryProfile() throws Exception {
    String ci = Files.readString(ROOT.resolve(".ci/run"));
    assertTrue(ci.lines().anyMatch(l -> l.trim().equals("mvn -B verify")), ".ci/run must run"
        + " the README's test command");
    Matcher m = Pattern.compile("OTHER_LINES=\"([^\"]*)\"").matcher(ci);
    assertTrue(m.find(), ".ci/run must list OTHER_LINES");
    Set<String> run = new TreeSet<>(Arrays.asList(m.group(1).trim().split("\\s+")));
    Set<String> profiles = lines().stream().filter(l -> l.profile() != null).map(Line::id)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(profiles, run, "every spark-* profile is a line CI must run");
    String script = Files.readString(ROOT.resolve("dev/test-spark.sh"));
    profiles.forEach(id -> assertTrue(Pattern.compile("(?m)^\\s*(\\S+\\|)?" + Pattern.quote(id)
        + "(\\|\\S+)?\\)").matcher(script).find(), "dev/test-spark.sh has a case for " + id));
  }

  @Test
  void eachJarDeclaresTheLinesOfItsScalaVersion() throws Exception {
    for (String scala : List.of("2.12", "2.13")) {
      Set<String> expected = lines().stream().filter(l -> l.scala().equals(scala))
          .map(l -> l.sparkVersion().replaceAll("^(\\d+\\.\\d+).*", "$1"))
          .collect(Collectors.toCollection(TreeSet::new));
      String modulePom = Files.readString(ROOT.resolve("plugin/scala-" + scala + "/pom.xml"));
      Matcher m = Pattern.compile("<verified.spark.lines>([^<]*)<").matcher(modulePom);
      assertTrue(m.find(), "plugin/scala-" + scala + "/pom.xml declares verified.spark.lines");
      assertEquals(expected, new TreeSet<>(Arrays.asList(m.group(1).trim().split("\\s+"))),
          "the " + scala + " jar's verified lines are the lines CI tests with it");
    }
  }
}
