package io.checkpointplus.spark.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.activation.SparkVersionSupport.Verdict;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The version check: the decision on what was read, reading the jar's build and the running
 * Spark and Scala from class-path resources alone, and the check against this test's own Spark.
 */
class SparkVersionSupportTest {
  private static final JarBuild SCALA_212 = new JarBuild("0.1.0", "2.12", List.of("3.4", "3.5"));
  private static final JarBuild SCALA_213 =
      new JarBuild("0.1.0", "2.13", List.of("3.5", "4.0", "4.1", "4.2"));

  @TempDir
  Path tmp;

  @Test
  void theOtherScalaVersionNamesTheJarToUse() {
    Verdict verdict = SparkVersionSupport.decide(SCALA_212, "4.1.0", "2.13.16");
    assertFalse(verdict.supported());
    assertEquals("Spark 4.1.0 runs Scala 2.13; this jar is built for Scala 2.12: use"
        + " spark-checkpoint-plus_2.13-0.1.0.jar", verdict.reason());
    assertEquals("4.1.0", verdict.sparkVersion());
    assertEquals("3.4.x, 3.5.x", verdict.verifiedRange());

    assertEquals("Spark 3.5.6 runs Scala 2.12; this jar is built for Scala 2.13: use"
        + " spark-checkpoint-plus_2.12-0.1.0.jar",
        SparkVersionSupport.decide(SCALA_213, "3.5.6", "2.12.18").reason());
  }

  @Test
  void aSparkLineOutsideTheJarsLinesIsRefused() {
    Verdict verdict = SparkVersionSupport.decide(SCALA_212, "3.3.2", "2.12.15");
    assertFalse(verdict.supported());
    assertEquals("Spark 3.3.2 is outside the lines this jar was verified on (3.4, 3.5)",
        verdict.reason());
    assertFalse(SparkVersionSupport.decide(SCALA_213, "4.3.0", "2.13.17").supported());
    assertFalse(SparkVersionSupport.decide(SCALA_212, "3.51.0", "2.12.18").supported(),
        "3.51 is not the line 3.5");
    assertFalse(SparkVersionSupport.decide(SCALA_212, "unknown", "2.12.18").supported());
  }

  @Test
  void vendorAndSnapshotVersionsBelongToTheirLine() {
    for (String version : List.of("3.5.1-amzn-0", "3.5.0.9.1.2-1", "3.4.1+databricks", "3.5",
        "3.5.9")) {
      Verdict verdict = SparkVersionSupport.decide(SCALA_212, version, "2.12.18");
      assertTrue(verdict.supported(), version + ": " + verdict.reason());
      assertNull(verdict.reason());
      assertEquals(version, verdict.sparkVersion());
    }
    assertTrue(SparkVersionSupport.decide(SCALA_213, "4.1.0-SNAPSHOT", "2.13.16").supported());
    assertTrue(SparkVersionSupport.decide(SCALA_213, "4.2.0-preview1", "2.13.0-M5")
        .supported());
  }

  @Test
  void whatCannotBeReadIsNotSupported() {
    Verdict noSpark = SparkVersionSupport.decide(SCALA_212, null, "2.12.18");
    assertFalse(noSpark.supported());
    assertEquals("cannot tell which Spark runs: no spark-version-info.properties with a version"
        + " on its class path", noSpark.reason());
    assertEquals("3.4.x, 3.5.x", noSpark.verifiedRange());

    Verdict noScala = SparkVersionSupport.decide(SCALA_212, "3.5.9", null);
    assertFalse(noScala.supported());
    assertEquals("cannot tell which Scala Spark 3.5.9 runs: no library.properties with a"
        + " version beside scala.Predef on its class path", noScala.reason());

    Verdict noBuild = SparkVersionSupport.decide(null, "3.5.9", "2.12.18");
    assertFalse(noBuild.supported());
    assertTrue(noBuild.reason().startsWith("this jar has no valid"
        + " io/checkpointplus/spark/build.properties"), noBuild.reason());
    assertEquals("unknown", noBuild.verifiedRange());
  }

  @Test
  void theJarsBuildIsReadFromItsProperties() {
    Properties p = new Properties();
    p.setProperty("scala.binary.version", "2.13");
    p.setProperty("verified.spark.lines", " 3.5 4.0  4.1 ");
    p.setProperty("version", "1.2.3");
    assertEquals(new JarBuild("1.2.3", "2.13", List.of("3.5", "4.0", "4.1")), JarBuild.from(p));

    Properties unfiltered = new Properties();
    unfiltered.setProperty("scala.binary.version", "");
    unfiltered.setProperty("verified.spark.lines", "3.5");
    assertNull(JarBuild.from(unfiltered), "a build that names no Scala version");
    assertNull(JarBuild.from(new Properties()));
    assertNull(JarBuild.from(null));
  }

  /** Vendors' builds: the Spark version from Spark's resource, Scala's from scala-library's jar. */
  @Test
  void theRuntimeIsReadFromSparksAndScalaLibrarysResources() throws IOException {
    // Another jar with a library.properties comes first on the class path: not Scala's.
    Path decoy = jar("decoy.jar", Map.of("library.properties", "version.number=9.9.9\n"));
    Path scala = jar("scala-library.jar", Map.of("scala/Predef.class", "",
        "library.properties", "version.number=2.13.16\nmaven.version.number=2.13.16\n"));
    Path spark = jar("spark-core.jar",
        Map.of("spark-version-info.properties", "version=3.5.1-amzn-0\nuser=builder\n"));
    try (URLClassLoader loader = loader(decoy, scala, spark)) {
      assertEquals(new SparkRuntime("3.5.1-amzn-0", "2.13.16"), SparkRuntime.of(loader));
    }

    Path mavenOnly = jar("scala-library-maven.jar", Map.of("scala/Predef.class", "",
        "library.properties", "maven.version.number=2.12.18\n"));
    try (URLClassLoader loader = loader(mavenOnly, spark)) {
      assertEquals("2.12.18", SparkRuntime.of(loader).scalaVersion());
    }
  }

  @Test
  void aRuntimeWithoutTheResourcesIsUnknown() throws IOException {
    Path empty = jar("empty.jar", Map.of("other.txt", "x"));
    Path scalaWithoutProperties = jar("scala.jar", Map.of("scala/Predef.class", ""));
    Path sparkWithoutVersion = jar("spark.jar", Map.of("spark-version-info.properties", "user=x"));
    try (URLClassLoader loader = loader(empty)) {
      assertEquals(new SparkRuntime(null, null), SparkRuntime.of(loader));
    }
    try (URLClassLoader loader = loader(scalaWithoutProperties, sparkWithoutVersion)) {
      assertEquals(new SparkRuntime(null, null), SparkRuntime.of(loader));
    }
  }

  /** This test runs on a Spark the jar was verified on: the check passes and reads it right. */
  @Test
  void thisTestsSparkIsSupported() {
    Verdict verdict = SparkVersionSupport.check();
    assertTrue(verdict.supported(), verdict.reason());
    assertEquals(org.apache.spark.package$.MODULE$.SPARK_VERSION(), verdict.sparkVersion());
    JarBuild own = JarBuild.own();
    assertEquals(scala.util.Properties$.MODULE$.versionNumberString().substring(0, 4),
        own.scalaBinaryVersion());
    assertEquals(own.verifiedRange(), SparkVersionSupport.verifiedRange());
    assertTrue(own.sparkLines().contains(SparkVersionSupport.line(verdict.sparkVersion())));
  }

  @Test
  void theTestingOverrideReplacesOnlySparksVersion() {
    Verdict verdict = SparkVersionSupport.check("9.0.0");
    assertFalse(verdict.supported());
    assertEquals("9.0.0", verdict.sparkVersion());
    assertTrue(verdict.reason().startsWith("Spark 9.0.0 is outside the lines this jar was"
        + " verified on ("), verdict.reason());
  }

  private Path jar(String name, Map<String, String> entries) throws IOException {
    Path jar = tmp.resolve(name);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (Map.Entry<String, String> e : entries.entrySet()) {
        out.putNextEntry(new JarEntry(e.getKey()));
        out.write(e.getValue().getBytes(StandardCharsets.ISO_8859_1));
        out.closeEntry();
      }
    }
    return jar;
  }

  /** A loader of these jars alone, without this JVM's class path. */
  private static URLClassLoader loader(Path... jars) throws IOException {
    URL[] urls = new URL[jars.length];
    for (int i = 0; i < jars.length; i++) {
      urls[i] = jars[i].toUri().toURL();
    }
    return new URLClassLoader(urls, null);
  }
}
