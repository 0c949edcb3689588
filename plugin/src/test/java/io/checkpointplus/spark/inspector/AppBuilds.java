package io.checkpointplus.spark.inspector;

import java.io.IOException;
import java.io.OutputStream;
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
 * Builds of a small application, compiled in the test with {@code javax.tools.JavaCompiler} and
 * packed as jars: the same class names with different source, as two releases of one
 * application would have.
 */
final class AppBuilds {
  private AppBuilds() {
  }

  /**
   * Compiles {@code sources} (class name → source) against Spark's API and packs them into
   * {@code jar}.
   */
  static Path build(Path work, String name, Map<String, String> sources) throws IOException {
    Path src = Files.createDirectories(work.resolve(name + "-src"));
    Path classes = Files.createDirectories(work.resolve(name + "-classes"));
    List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath",
        jarOf(org.apache.spark.api.java.function.Function.class) + java.io.File.pathSeparator
            + jarOf(org.apache.spark.api.java.Optional.class), "--release", "17"));
    for (Map.Entry<String, String> s : sources.entrySet()) {
      Path file = src.resolve(s.getKey().replace('.', '/') + ".java");
      Files.createDirectories(file.getParent());
      Files.writeString(file, s.getValue());
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, args.toArray(new String[0]));
    if (rc != 0) {
      throw new IllegalStateException("javac failed for " + name);
    }
    Path jar = work.resolve(name + ".jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        try (OutputStream ignored = null) {
          out.write(Files.readAllBytes(f));
        }
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
