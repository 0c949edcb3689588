package io.checkpointplus.spark.activation;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether this jar may run on the Spark that loaded it: the Scala binary version must be the one
 * the jar was compiled for (a class compiled for the other one fails to link, or silently does not
 * override), and the Spark line (major.minor) one the jar was verified on. Everything here uses
 * the JDK alone ({@link JarBuild}, {@link SparkRuntime}), so the plugin can ask before any of its
 * classes that touch Scala or Spark is loaded; nothing here throws.
 */
public final class SparkVersionSupport {
  /** Major.minor at the start of a version; vendors append anything ({@code 3.5.1-amzn-0}). */
  private static final Pattern LINE = Pattern.compile("(\\d+)\\.(\\d+)(?!\\d).*");

  /**
   * The answer, with the reason when it is no.
   *
   * @param supported whether the plugin may install its hook
   * @param sparkVersion the Spark version checked; {@code null} when it could not be read
   * @param verifiedRange the lines this jar was verified on, as {@code hook.status} gives them
   * @param reason why not, for the warning and the {@code hook.status} event; {@code null} when
   *     supported
   */
  public record Verdict(boolean supported, String sparkVersion, String verifiedRange,
      String reason) {
  }

  private SparkVersionSupport() {
  }

  /** The running Spark and Scala against this jar's build. */
  public static Verdict check() {
    return check(null);
  }

  /**
   * As {@link #check()}, with Spark's version replaced by {@code sparkVersion} when it is not
   * {@code null} (the setting {@code spark.checkpointplus.testing.sparkVersion}).
   */
  public static Verdict check(String sparkVersion) {
    try {
      SparkRuntime runtime = SparkRuntime.of(loader());
      return decide(JarBuild.own(),
          sparkVersion != null ? sparkVersion : runtime.sparkVersion(), runtime.scalaVersion());
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      return new Verdict(false, sparkVersion, "unknown",
          "cannot tell which Spark and Scala run: " + t);
    }
  }

  /** The lines this jar was verified on, as {@code hook.status} gives them: {@code 3.4.x, 3.5.x}. */
  public static String verifiedRange() {
    JarBuild jar = JarBuild.own();
    return jar == null ? "unknown" : jar.verifiedRange();
  }

  /** The decision, on what was read (any of it {@code null} when it could not be read). */
  static Verdict decide(JarBuild jar, String sparkVersion, String scalaVersion) {
    if (jar == null) {
      return new Verdict(false, sparkVersion, "unknown", "this jar has no valid "
          + JarBuild.RESOURCE + ": it was not built by the project's build");
    }
    String range = jar.verifiedRange();
    if (sparkVersion == null) {
      return new Verdict(false, null, range, "cannot tell which Spark runs: no "
          + SparkRuntime.SPARK_VERSION_INFO + " with a version on its class path");
    }
    String scala = line(scalaVersion);
    if (scala == null) {
      return new Verdict(false, sparkVersion, range, "cannot tell which Scala Spark "
          + sparkVersion + " runs: no " + SparkRuntime.SCALA_LIBRARY_PROPERTIES
          + " with a version beside scala.Predef on its class path");
    }
    if (!scala.equals(jar.scalaBinaryVersion())) {
      return new Verdict(false, sparkVersion, range, "Spark " + sparkVersion + " runs Scala "
          + scala + "; this jar is built for Scala " + jar.scalaBinaryVersion() + ": use "
          + jar.jarFor(scala));
    }
    String line = line(sparkVersion);
    if (line == null || !jar.sparkLines().contains(line)) {
      return new Verdict(false, sparkVersion, range, "Spark " + sparkVersion
          + " is outside the lines this jar was verified on ("
          + String.join(", ", jar.sparkLines()) + ")");
    }
    return new Verdict(true, sparkVersion, range, null);
  }

  /** {@code 3.5} for {@code 3.5.1-amzn-0}, {@code 2.13} for {@code 2.13.16}; or {@code null}. */
  static String line(String version) {
    if (version == null) {
      return null;
    }
    Matcher m = LINE.matcher(version.trim());
    return m.matches() ? m.group(1) + "." + m.group(2) : null;
  }

  /** The loader of the plugin's classes: the Spark and Scala they would link against. */
  private static ClassLoader loader() {
    ClassLoader loader = SparkVersionSupport.class.getClassLoader();
    return loader != null ? loader : ClassLoader.getSystemClassLoader();
  }
}
