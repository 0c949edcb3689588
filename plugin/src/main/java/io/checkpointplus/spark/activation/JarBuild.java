package io.checkpointplus.spark.activation;

import java.net.URL;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * What a plugin jar was built for, as the build wrote it into
 * {@value #RESOURCE}: the Scala binary version its classes link against and the Spark lines
 * (major.minor) its tests passed on.
 *
 * @param version the project version, which names the jar
 * @param scalaBinaryVersion {@code 2.12} or {@code 2.13}
 * @param sparkLines the verified Spark lines, such as {@code [3.4, 3.5]}
 */
record JarBuild(String version, String scalaBinaryVersion, List<String> sparkLines) {
  static final String RESOURCE = "io/checkpointplus/spark/build.properties";
  private static final String ANCHOR =
      JarBuild.class.getName().replace('.', '/') + ".class";

  /**
   * This jar's own build, read beside this class rather than wherever the class loader finds a
   * resource of that name first (another version of the plugin may be on the class path too);
   * {@code null} when it has none.
   */
  static JarBuild own() {
    ClassLoader loader = JarBuild.class.getClassLoader() != null
        ? JarBuild.class.getClassLoader() : ClassLoader.getSystemClassLoader();
    URL url = PropertiesResource.beside(loader, ANCHOR, RESOURCE);
    return from(PropertiesResource.load(url != null ? url : loader.getResource(RESOURCE)));
  }

  /** The build described by {@code properties}; {@code null} when they do not describe one. */
  static JarBuild from(Properties properties) {
    if (properties == null) {
      return null;
    }
    String scala = properties.getProperty("scala.binary.version", "").trim();
    List<String> lines = Arrays.stream(properties.getProperty("verified.spark.lines", "").trim()
        .split("[\\s,]+")).filter(s -> !s.isEmpty()).collect(Collectors.toList());
    if (scala.isEmpty() || lines.isEmpty()) {
      return null;
    }
    return new JarBuild(properties.getProperty("version", "").trim(), scala, List.copyOf(lines));
  }

  /** The verified lines as the {@code hook.status} event gives them: {@code 3.4.x, 3.5.x}. */
  String verifiedRange() {
    return sparkLines.stream().map(line -> line + ".x").collect(Collectors.joining(", "));
  }

  /** The name of this version's jar for {@code scala}: {@code spark-checkpoint-plus_2.13-0.1.0.jar}. */
  String jarFor(String scala) {
    return "spark-checkpoint-plus_" + scala + (version.isEmpty() ? "" : "-" + version) + ".jar";
  }
}
