package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upgrade-check} of a checkpoint holding an enum constant: {@code java.lang.Enum}'s own
 * descriptor binds (the JDK's test is {@code Enum.class.isAssignableFrom}), and a constant the
 * new build no longer has fails as a real read would ("enum constant X does not exist").
 */
class UpgradeCheckEnumTest {
  @TempDir
  static Path tmp;

  private static final String V1 = "package app; public enum Color { RED, GREEN;"
      + " static { System.setProperty(\"upgradecheck.enum.clinit\", \"ran\"); } }";
  private static final String V2 = "package app; public enum Color { RED;"
      + " static { System.setProperty(\"upgradecheck.enum.clinit\", \"ran\"); } }";

  @Test
  void anEnumOfTheSameBuildPassesAndARemovedConstantFails() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    Path v1 = AppBuilds.build(tmp, "enum-v1", Map.of("app.Color", V1));
    Path v2 = AppBuilds.build(tmp, "enum-v2", Map.of("app.Color", V2));
    Path file = tmp.resolve("checkpoint-1000");
    try (URLClassLoader writer = AppBuilds.loader(v1);
        OutputStream raw = Files.newOutputStream(file);
        ObjectOutputStream out = new ObjectOutputStream(raw)) {
      Class<?> color = Class.forName("app.Color", true, writer);
      List<Object> values = new ArrayList<>(List.of(color.getEnumConstants()));
      out.writeObject(values);
    }
    System.clearProperty("upgradecheck.enum.clinit");
    MetadataFile metadata = MetadataFile.read(new org.apache.hadoop.fs.Path(file.toUri()),
        new Configuration(), new SparkConf(false));
    try (URLClassLoader same = AppBuilds.loader(v1)) {
      List<UpgradeCheckCommand.Verdict> verdicts = UpgradeCheckCommand.check(metadata, same);
      for (UpgradeCheckCommand.Verdict v : verdicts) {
        assertEquals("ok", v.status(), verdicts.toString());
      }
      assertTrue(verdicts.stream().anyMatch(v -> v.className().equals("java.lang.Enum")),
          verdicts.toString());
    }
    try (URLClassLoader removed = AppBuilds.loader(v2)) {
      List<UpgradeCheckCommand.Verdict> verdicts = UpgradeCheckCommand.check(metadata, removed);
      UpgradeCheckCommand.Verdict color = verdicts.stream().filter(v -> v.className()
          .equals("app.Color")).findFirst().orElseThrow();
      assertEquals("incompatible", color.status(), verdicts.toString());
      assertTrue(color.reason().contains("enum constant GREEN does not exist"), color.reason());
    }
    assertEquals(null, System.getProperty("upgradecheck.enum.clinit"),
        "no class of the application was initialised");
  }

  private static Path checkpointOf(Path jar, String className, String name) throws Exception {
    Path file = Files.createDirectories(tmp.resolve(name)).resolve("checkpoint-1000");
    try (URLClassLoader writer = AppBuilds.loader(jar);
        OutputStream raw = Files.newOutputStream(file);
        ObjectOutputStream out = new ObjectOutputStream(raw)) {
      out.writeObject(Class.forName(className, true, writer).getConstructor().newInstance());
    }
    return file;
  }

  /** {@code jar} without one of its classes. */
  private static Path without(Path jar, String entry) throws Exception {
    Path copy = jar.resolveSibling("without-" + jar.getFileName());
    try (java.util.jar.JarFile in = new java.util.jar.JarFile(jar.toFile());
        java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(
            Files.newOutputStream(copy))) {
      for (java.util.jar.JarEntry e : java.util.Collections.list(in.entries())) {
        if (!e.getName().equals(entry)) {
          out.putNextEntry(new java.util.jar.JarEntry(e.getName()));
          out.write(in.getInputStream(e).readAllBytes());
          out.closeEntry();
        }
      }
    }
    return copy;
  }

  /**
   * Classes upgrade-check could not check (a serialVersionUID computed at initialisation; a
   * field whose type cannot be loaded) give the distinct verdict "cannot tell" and exit 4,
   * never "Restart would succeed" with exit 0.
   */
  @Test
  void classesThatCannotBeCheckedGiveCannotTellNotSuccess() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer();
    Path computed = AppBuilds.build(tmp, "computed", Map.of("app.Computed",
        "package app; public class Computed implements java.io.Serializable {"
            + " private static final long serialVersionUID = Long.parseLong(\"7\");"
            + " public int x = 1; }"));
    InspectorRun run = InspectorRun.of("upgrade-check", checkpointOf(computed, "app.Computed",
        "computed").toString(), "--jar", computed.toString());
    assertEquals(4, run.exitCode(), run.toString());
    assertTrue(run.out().contains("cannot tell"), run.out());

    Path holder = AppBuilds.build(tmp, "holder", Map.of(
        "app.Holder", "package app; public class Holder implements java.io.Serializable {"
            + " private static final long serialVersionUID = 1L; public app.Dep dep; }",
        "app.Dep", "package app; public class Dep implements java.io.Serializable { }"));
    Path file = checkpointOf(holder, "app.Holder", "holder");
    InspectorRun broken = InspectorRun.of("upgrade-check", file.toString(), "--jar",
        without(holder, "app/Dep.class").toString(), "--json");
    assertEquals(4, broken.exitCode(), broken.toString());
    assertEquals("unchecked", broken.json().get("verdicts").get(0).get("status").asText(),
        broken.out());
  }
}
