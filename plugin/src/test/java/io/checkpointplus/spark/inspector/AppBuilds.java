package io.checkpointplus.spark.inspector;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds of a small application, compiled in the test with {@code javax.tools.JavaCompiler} (or
 * the Scala compiler) and packed as jars: the same class names with different source, as two
 * releases of one application would have.
 */
final class AppBuilds {
  private AppBuilds() {
  }

  /**
   * Compiles {@code sources} (class name → source) against Spark's API and packs them into
   * {@code jar}.
   */
  static Path build(Path work, String name, Map<String, String> sources) throws IOException {
    Path classes = compile(work, name, sources);
    Path jar = work.resolve(name + ".jar");
    try (Stream<Path> files = Files.walk(classes)) {
      Map<String, byte[]> entries = new java.util.TreeMap<>();
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        entries.put(classes.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
      }
      jar(jar, entries);
    }
    return jar;
  }

  /**
   * Compiles {@code sources} (class name → source) against Spark's API in one compiler run.
   *
   * @return the directory of the class files
   */
  static Path compile(Path work, String name, Map<String, String> sources) throws IOException {
    Path src = Files.createDirectories(work.resolve(name + "-src"));
    Path classes = Files.createDirectories(work.resolve(name + "-classes"));
    List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath",
        jarOf(org.apache.spark.api.java.function.Function.class) + java.io.File.pathSeparator
            + jarOf(org.apache.spark.api.java.Optional.class) + java.io.File.pathSeparator
            + jarOf(scala.Option.class), "--release", "17",
        "-nowarn", "-Xlint:none"));
    for (Map.Entry<String, String> s : sources.entrySet()) {
      Path file = src.resolve(s.getKey().replace('.', '/') + ".java");
      Files.createDirectories(file.getParent());
      Files.writeString(file, s.getValue());
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
    int rc = javac.run(null, null, errors, args.toArray(new String[0]));
    if (rc != 0) {
      throw new IllegalStateException("javac failed for " + name + ":\n" + errors);
    }
    return classes;
  }

  /**
   * Compiles Scala {@code sources} (file name {@code pkg.Name} → source, written to
   * {@code pkg/Name.scala}) with the real Scala compiler of the test's Scala version, in-process
   * and in one compiler run, against the Scala library.
   *
   * @return the directory of the class files
   */
  static Path compileScala(Path work, String name, Map<String, String> sources)
      throws IOException {
    Path src = Files.createDirectories(work.resolve(name + "-scala-src"));
    Path classes = Files.createDirectories(work.resolve(name + "-scala-classes"));
    List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath",
        jarOf(scala.Option.class), "-nowarn"));
    for (Map.Entry<String, String> s : sources.entrySet()) {
      Path file = src.resolve(s.getKey().replace('.', '/') + ".scala");
      Files.createDirectories(file.getParent());
      Files.writeString(file, s.getValue());
      args.add(file.toString());
    }
    java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
    boolean ok = scala.Console$.MODULE$.withErr(errors, () -> scala.Console$.MODULE$.withOut(
        errors, () -> scala.tools.nsc.Main.process(args.toArray(new String[0]))));
    if (!ok) {
      throw new IllegalStateException("scalac " + scala.util.Properties.versionNumberString()
          + " failed for " + name + ":\n" + errors);
    }
    return classes;
  }

  /** Writes a jar of {@code entries} (path in the jar → bytes). */
  static Path jar(Path jar, Map<String, byte[]> entries) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        out.putNextEntry(new JarEntry(e.getKey()));
        out.write(e.getValue());
        out.closeEntry();
      }
    }
    return jar;
  }

  private static String jarOf(Class<?> cl) {
    try {
      return Path.of(cl.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A class loader of {@code jar} over the test's own (Spark's) class path. */
  static URLClassLoader loader(Path jar) throws IOException {
    return new URLClassLoader(new URL[] {jar.toUri().toURL()},
        AppBuilds.class.getClassLoader());
  }
}
