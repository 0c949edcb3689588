package io.checkpointplus.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code spark-submit} of an application in a child JVM: {@code SparkSubmit} on Spark's class
 * path, the application jar as primary resource and, with the plugin, the shaded jar on
 * {@code --jars} and {@code spark.plugins} as the only switch.
 */
final class SparkSubmitRun {
  static final String PLUGIN_CLASS = "io.checkpointplus.spark.CheckpointPlusPlugin";
  static final String LOCAL = "local[2]";
  static final String LOCAL_CLUSTER = "local-cluster[2,1,1024]";

  private final String mainClass;
  private String master = LOCAL;
  private boolean withPlugin;
  private boolean withPluginJar;
  private final Map<String, String> conf = new LinkedHashMap<>();
  private final Map<String, String> env = new HashMap<>();
  private final List<String> appArgs = new ArrayList<>();
  private final List<String> jvmOptions = new ArrayList<>();
  private final List<String> extraClasspath = new ArrayList<>();
  private Path appJar = ChildJvm.examplesJar();
  private Path pluginJar;
  private long timeoutSeconds = 300;

  private SparkSubmitRun(String mainClass) {
    this.mainClass = mainClass;
  }

  static SparkSubmitRun of(String mainClass) {
    return new SparkSubmitRun(mainClass);
  }

  SparkSubmitRun master(String master) {
    this.master = master;
    return this;
  }

  /** Adds the shaded jar and {@code spark.plugins}, as the README tells users to. */
  SparkSubmitRun withPlugin() {
    this.withPlugin = true;
    return this;
  }

  /** Only the shaded jar on {@code --jars}, no {@code spark.plugins}. */
  SparkSubmitRun withPluginJarOnly() {
    this.withPluginJar = true;
    return this;
  }

  /** Passes {@code jar} instead of this line's plugin jar (the other Scala version's jar). */
  SparkSubmitRun pluginJar(Path jar) {
    this.pluginJar = jar;
    return this;
  }

  SparkSubmitRun conf(String key, String value) {
    conf.put(key, value);
    return this;
  }

  SparkSubmitRun env(String key, String value) {
    env.put(key, value);
    return this;
  }

  /** A driver JVM option, as {@code --driver-java-options} passes it. */
  SparkSubmitRun jvmOption(String option) {
    jvmOptions.add(option);
    return this;
  }

  /**
   * Puts the classes directory or jar that holds {@code type} on the driver's and the
   * executors' class path, beside Spark's: a test's file system the child JVM must load.
   */
  SparkSubmitRun classpathOf(Class<?> type) {
    try {
      extraClasspath.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation()
          .toURI()).toString());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return this;
  }

  SparkSubmitRun appJar(Path jar) {
    this.appJar = jar;
    return this;
  }

  SparkSubmitRun args(String... args) {
    appArgs.addAll(List.of(args));
    return this;
  }

  SparkSubmitRun timeoutSeconds(long seconds) {
    this.timeoutSeconds = seconds;
    return this;
  }

  /** Runs to completion; the log is {@code <workDir>/<name>.log}. */
  ChildJvm.Result run(Path workDir, String name) {
    Command c = command(workDir);
    return ChildJvm.run(c.args(), c.env(), workDir.resolve(name + ".log"), timeoutSeconds);
  }

  /** Starts the run and returns at once; the log is {@code <workDir>/<name>.log}. */
  Process start(Path workDir, String name) {
    Command c = command(workDir);
    return ChildJvm.start(c.args(), c.env(), workDir.resolve(name + ".log"));
  }

  private record Command(List<String> args, Map<String, String> env) {
  }

  private Command command(Path workDir) {
    String classpath = ChildJvm.sparkClasspath();
    for (String entry : extraClasspath) {
      classpath = classpath + java.io.File.pathSeparator + entry;
    }
    List<String> cmd = ChildJvm.java("1g");
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", classpath, "org.apache.spark.deploy.SparkSubmit",
        "--master", master, "--class", mainClass,
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.driver.host=127.0.0.1"));
    Map<String, String> childEnv = new HashMap<>(env);
    childEnv.put("SPARK_LOCAL_IP", "127.0.0.1");
    if (master.startsWith("local-cluster")) {
      // Executors are launched from a Spark home; its jars/ is empty and the class path is given.
      childEnv.put("SPARK_HOME", emptySparkHome(workDir).toString());
      String scala = ChildJvm.sparkScalaBinaryVersion();
      childEnv.put("SPARK_SCALA_VERSION", scala);
      cmd.addAll(List.of("--conf", "spark.executor.extraClassPath=" + classpath,
          "--conf", "spark.executorEnv.SPARK_SCALA_VERSION=" + scala,
          "--conf", "spark.executor.memory=1g"));
      String speed = System.getProperty("child.jvm.speed", "").trim();
      if (!speed.isEmpty()) {
        cmd.addAll(List.of("--conf", "spark.executor.extraJavaOptions=" + speed));
      }
    }
    if (withPlugin || withPluginJar) {
      Path jar = pluginJar != null ? pluginJar : ChildJvm.pluginJar();
      cmd.addAll(List.of("--jars", jar.toString()));
    }
    if (withPlugin) {
      cmd.addAll(List.of("--conf", "spark.plugins=" + PLUGIN_CLASS));
    }
    conf.forEach((k, v) -> cmd.addAll(List.of("--conf", k + "=" + v)));
    cmd.add(appJar.toString());
    cmd.addAll(appArgs);
    return new Command(cmd, childEnv);
  }

  private static Path emptySparkHome(Path workDir) {
    try {
      return Files.createDirectories(workDir.resolve("spark-home").resolve("jars")).getParent();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
