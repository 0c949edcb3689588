package io.checkpointplus.spark.activation;

import java.util.Properties;

/**
 * The Spark and Scala versions a class loader links against, read from the resources each
 * publishes, so that no Spark or Scala class is loaded to find out: Spark's
 * {@value #SPARK_VERSION_INFO} (what Spark's own {@code SparkBuildInfo} reads, key
 * {@code version}) and scala-library's {@value #SCALA_LIBRARY_PROPERTIES}, taken from the jar that
 * holds {@code scala.Predef}.
 *
 * @param sparkVersion such as {@code 3.5.1-amzn-0}; {@code null} when the loader has none
 * @param scalaVersion such as {@code 2.13.16}; {@code null} when the loader has none
 */
public record SparkRuntime(String sparkVersion, String scalaVersion) {
  static final String SPARK_VERSION_INFO = "spark-version-info.properties";
  static final String SCALA_LIBRARY_PROPERTIES = "library.properties";
  private static final String SCALA_PREDEF = "scala/Predef.class";

  /** What {@code loader} (the loader of the plugin's classes) links the plugin against. */
  public static SparkRuntime of(ClassLoader loader) {
    Properties spark = PropertiesResource.load(loader.getResource(SPARK_VERSION_INFO));
    Properties scala = PropertiesResource.load(
        PropertiesResource.beside(loader, SCALA_PREDEF, SCALA_LIBRARY_PROPERTIES));
    String scalaVersion = value(scala, "version.number");
    if (scalaVersion == null) {
      scalaVersion = value(scala, "maven.version.number");
    }
    return new SparkRuntime(value(spark, "version"), scalaVersion);
  }

  /** Whether {@link #sparkVersion} is {@code major.minor} or later; false when unknown. */
  public boolean sparkAtLeast(int major, int minor) {
    if (sparkVersion == null) {
      return false;
    }
    String[] v = sparkVersion.split("[.-]");
    try {
      int ma = Integer.parseInt(v[0]);
      int mi = v.length > 1 ? Integer.parseInt(v[1]) : 0;
      return ma > major || (ma == major && mi >= minor);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String value(Properties properties, String key) {
    if (properties == null) {
      return null;
    }
    String value = properties.getProperty(key, "").trim();
    return value.isEmpty() ? null : value;
  }
}
