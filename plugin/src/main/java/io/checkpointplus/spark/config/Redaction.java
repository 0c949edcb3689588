package io.checkpointplus.spark.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/**
 * Hides sensitive values as Spark does for its UI and logs: a value is replaced when
 * {@code spark.redaction.regex} is found in its key or in the value itself. The plugin's own
 * code rather than {@code org.apache.spark.util.Utils.redact}, whose signature differs between
 * Spark lines (Spark 4.1 takes another configuration type) and which needs Scala collections.
 */
public final class Redaction {
  /** Spark's {@code spark.redaction.regex}. */
  public static final String REGEX_KEY = "spark.redaction.regex";
  /** Spark's default for {@code spark.redaction.regex}. */
  public static final String DEFAULT_REGEX = "(?i)secret|password|token|access[.]?key";
  /** The text Spark shows instead of a redacted value. */
  public static final String REPLACEMENT = "*********(redacted)";

  private final Pattern pattern;

  private Redaction(Pattern pattern) {
    this.pattern = pattern;
  }

  /**
   * The redaction {@code conf} asks for. A regex that does not compile redacts every value:
   * better to show nothing than a secret.
   */
  public static Redaction from(SparkConf conf) {
    String regex = conf.get(REGEX_KEY, DEFAULT_REGEX);
    try {
      return new Redaction(Pattern.compile(regex));
    } catch (RuntimeException e) {
      return new Redaction(Pattern.compile(".*", Pattern.DOTALL));
    }
  }

  /** A copy of {@code settings}, in the same order, with sensitive values replaced. */
  public Map<String, String> apply(Map<String, String> settings) {
    Map<String, String> out = new LinkedHashMap<>();
    settings.forEach((k, v) -> out.put(k, isSensitive(k, v) ? REPLACEMENT : v));
    return out;
  }

  private boolean isSensitive(String key, String value) {
    return pattern.matcher(key).find() || (value != null && pattern.matcher(value).find());
  }
}
