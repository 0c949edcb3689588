package io.checkpointplus.spark.activation;

import java.util.regex.Pattern;

/** The Spark versions whose internals the plugin was verified against. */
public final class SparkVersionSupport {
  /** Spark 3.5.x: the release line whose checkpoint path the plugin wraps. */
  private static final Pattern VERIFIED = Pattern.compile("(3\\.[45]|4\\.[012])\\.\\d+(-.*)?");

  public static final String VERIFIED_RANGE = "3.5.x";

  private SparkVersionSupport() {
  }

  public static boolean isVerified(String sparkVersion) {
    return sparkVersion != null && VERIFIED.matcher(sparkVersion).matches();
  }
}
