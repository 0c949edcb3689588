package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Java process started from the test with Spark's class path, its output kept in a file. */
final class ChildJvm {
  private ChildJvm() {
  }

  /** A fresh directory under the module's {@code target/it-work}. */
  static Path workDir(String name) {
    try {
      Path dir = Path.of(System.getProperty("work.dir", "target/it-work")).toAbsolutePath()
          .resolve(name);
      if (Files.exists(dir)) {
        try (var walk = Files.walk(dir)) {
          walk.sorted((a, b) -> b.compareTo(a)).map(Path::toFile).forEach(File::delete);
        }
      }
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Spark, Scala and Hadoop, as a Spark distribution's {@code jars/} folder would give them. */
  static String sparkClasspath() {
    try {
      return Files.readString(Path.of(System.getProperty("spark.classpath.file"))).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Scala binary version of the Spark on {@link #sparkClasspath()}: 2.12 or 2.13. */
  static String sparkScalaBinaryVersion() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("spark-core_(2\\.1[0-9])")
        .matcher(sparkClasspath());
    if (!m.find()) {
      fail("No spark-core jar on Spark's class path: " + sparkClasspath());
    }
    return m.group(1);
  }

  static Path pluginJar() {
    return existing(System.getProperty("plugin.jar"));
  }

  /** The plugin jar built for the other Scala binary version than this line's Spark runs. */
  static Path otherPluginJar() {
    return existing(System.getProperty("other.plugin.jar"));
  }

  static Path examplesJar() {
    return existing(System.getProperty("examples.jar"));
  }

  private static Path existing(String path) {
    Path p = Path.of(path).toAbsolutePath().normalize();
    if (!Files.isRegularFile(p)) {
      fail(p + " is missing: run the tests through 'mvn verify' from the repository root");
    }
    return p;
  }

  /** {@code java} with the module-opening flags Spark needs on Java 17. */
  static List<String> java(String heap) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx" + heap);
    cmd.addAll(Arrays.asList(System.getProperty("child.jvm.args", "").trim().split("\\s+")));
    return cmd;
  }

  /** What a finished child left behind. */
  record Result(int exitCode, String output, long millis, Path log) {
    Result assertSucceeded() {
      if (exitCode != 0) {
        String tail = output.length() > 6000 ? output.substring(output.length() - 6000) : output;
        fail("Child JVM exited with " + exitCode + " (log " + log + "):\n" + tail);
      }
      return this;
    }
  }

  /** Starts {@code command}, its output going to {@code log}. */
  static Process start(List<String> command, Map<String, String> env, Path log) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().putAll(env);
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code command} to completion or kills it after {@code timeoutSeconds}. */
  static Result run(List<String> command, Map<String, String> env, Path log, long timeoutSeconds) {
    try {
      long start = System.nanoTime();
      Process p = start(command, env, log);
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        fail("Child JVM did not finish within " + timeoutSeconds + " s; log " + log + ":\n"
            + Files.readString(log));
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      return new Result(p.exitValue(), Files.readString(log), millis, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
