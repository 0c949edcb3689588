package io.checkpointplus.spark.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.storage.StorageLevel;

/**
 * One setting, declared once: its key, type, default, documentation and the rule its values must
 * follow. Modelled on Spark's own {@code internal/config} entries; the README's configuration
 * table is generated from these declarations.
 *
 * @param <T> the type of the parsed value
 */
public final class ConfigEntry<T> {
  private final String key;
  private final String defaultText;
  private final String allowed;
  private final String doc;
  private final boolean internal;
  private final Function<String, T> parser;

  private ConfigEntry(String key, String defaultText, String allowed, String doc, boolean internal,
      Function<String, T> parser) {
    this.key = Objects.requireNonNull(key);
    this.defaultText = defaultText;
    this.allowed = Objects.requireNonNull(allowed);
    this.doc = Objects.requireNonNull(doc);
    this.internal = internal;
    this.parser = Objects.requireNonNull(parser);
  }

  /** A boolean: exactly {@code true} or {@code false}, in any case. */
  public static ConfigEntry<Boolean> bool(String key, boolean dflt, String doc) {
    return new ConfigEntry<>(key, String.valueOf(dflt), "true or false", doc, false, v -> {
      String s = v.trim().toLowerCase(Locale.ROOT);
      if (s.equals("true")) {
        return true;
      }
      if (s.equals("false")) {
        return false;
      }
      throw new IllegalArgumentException();
    });
  }

  /** An integer in {@code [min, max]}. */
  public static ConfigEntry<Integer> integer(String key, int dflt, int min, int max, String doc) {
    String allowed = max == Integer.MAX_VALUE ? "an integer >= " + min
        : "an integer from " + min + " to " + max;
    return new ConfigEntry<>(key, String.valueOf(dflt), allowed, doc, false, v -> {
      int i = Integer.parseInt(v.trim());
      if (i < min || i > max) {
        throw new IllegalArgumentException();
      }
      return i;
    });
  }

  /** One of an enum's constants, written in lower case (camelCase constants keep their case). */
  public static <E extends Enum<E> & Named> ConfigEntry<E> oneOf(String key, E dflt, String doc) {
    E[] values = dflt.getDeclaringClass().getEnumConstants();
    String allowed = "one of " + Arrays.stream(values).map(Named::configName)
        .collect(Collectors.joining(", "));
    return new ConfigEntry<>(key, dflt.configName(), allowed, doc, false, v -> {
      String s = v.trim();
      for (E e : values) {
        if (e.configName().equalsIgnoreCase(s)) {
          return e;
        }
      }
      throw new IllegalArgumentException();
    });
  }

  /** A comma-separated set of an enum's constants, possibly empty. */
  public static <E extends Enum<E> & Named> ConfigEntry<java.util.Set<E>> setOf(String key,
      Class<E> type, String dflt, String doc) {
    E[] values = type.getEnumConstants();
    String allowed = "a comma-separated list of " + Arrays.stream(values).map(Named::configName)
        .collect(Collectors.joining(", ")) + " (may be empty)";
    return new ConfigEntry<>(key, dflt, allowed, doc, false, v -> {
      java.util.Set<E> set = java.util.EnumSet.noneOf(type);
      for (String part : v.split(",")) {
        String s = part.trim();
        if (s.isEmpty()) {
          continue;
        }
        set.add(Arrays.stream(values).filter(e -> e.configName().equalsIgnoreCase(s)).findFirst()
            .orElseThrow(IllegalArgumentException::new));
      }
      return set;
    });
  }

  /**
   * A duration with a unit, such as {@code 500ms}, {@code 90s}, {@code 15min}, {@code 12h} or
   * {@code 7d}, in milliseconds. A bare number is refused: Spark would read it as milliseconds
   * for some settings and seconds for others, so "3600" is ambiguous and usually a mistake.
   */
  public static ConfigEntry<Long> duration(String key, String dflt, String doc) {
    return new ConfigEntry<>(key, dflt, "a duration with a unit: 500ms, 30s, 10min, 1h, 2d", doc,
        false, v -> {
          String s = v.trim().toLowerCase(Locale.ROOT);
          if (!DURATION_WITH_UNIT.matcher(s).matches()) {
            throw new IllegalArgumentException();
          }
          return org.apache.spark.network.util.JavaUtils.timeStringAsMs(s);
        });
  }

  /** A non-negative whole number followed by one of the units Spark's time strings know. */
  private static final java.util.regex.Pattern DURATION_WITH_UNIT =
      java.util.regex.Pattern.compile("[0-9]+(us|ms|s|m|min|h|d)");

  /**
   * A duration with a unit of at least {@code minText} (e.g. {@code 10min}): below it the
   * setting is unsafe, and the start fails naming the key, the value and the minimum.
   */
  public static ConfigEntry<Long> duration(String key, String dflt, String minText, String doc) {
    long min = org.apache.spark.network.util.JavaUtils.timeStringAsMs(minText);
    return new ConfigEntry<>(key, dflt, "a duration with a unit (ms, s, min, h, d) of at least "
        + minText + ", such as 15min, 12h or 7d", doc, false, v -> {
          String s = v.trim().toLowerCase(Locale.ROOT);
          if (!DURATION_WITH_UNIT.matcher(s).matches()) {
            throw new IllegalArgumentException();
          }
          long ms = org.apache.spark.network.util.JavaUtils.timeStringAsMs(s);
          if (ms < min) {
            throw new IllegalArgumentException();
          }
          return ms;
        });
  }

  /** A free-form string with no default: empty when unset. */
  public static ConfigEntry<Optional<String>> optionalString(String key, String doc) {
    return new ConfigEntry<>(key, null, "any non-empty string", doc, false, v -> {
      if (v.trim().isEmpty()) {
        throw new IllegalArgumentException();
      }
      return Optional.of(v.trim());
    });
  }

  /** A Spark storage level name such as {@code MEMORY_AND_DISK}; {@code NONE} is refused. */
  public static ConfigEntry<StorageLevel> storageLevel(String key, String dflt, String doc) {
    return new ConfigEntry<>(key, dflt,
        "a Spark storage level name other than NONE (e.g. MEMORY_AND_DISK, MEMORY_ONLY_SER,"
            + " DISK_ONLY, MEMORY_AND_DISK_2)", doc, false, v -> {
          StorageLevel level = StorageLevel.fromString(v.trim().toUpperCase(Locale.ROOT));
          if (level.equals(StorageLevel.NONE())) {
            throw new IllegalArgumentException();
          }
          return level;
        });
  }

  /** The same entry, flagged as internal: for tests, listed apart in the docs. */
  public ConfigEntry<T> internal() {
    return new ConfigEntry<>(key, defaultText, allowed, doc, true, parser);
  }

  /** Reads, parses and validates this setting; throws naming key, value and what is allowed. */
  public T readFrom(SparkConf conf) {
    return conf.contains(key) ? parse(conf.get(key)) : parse(defaultText);
  }

  /** Parses one raw value, as the user wrote it. {@code null} means unset. */
  public T parse(String raw) {
    if (raw == null) {
      return emptyValue();
    }
    try {
      return parser.apply(raw);
    } catch (RuntimeException e) {
      throw new InvalidConfigurationException(key, raw, allowed);
    }
  }

  @SuppressWarnings("unchecked")
  private T emptyValue() {
    // Only optional entries have no default; their unset value is Optional.empty().
    return (T) Optional.empty();
  }

  public String key() {
    return key;
  }

  /** The default as a user would write it, or {@code null} when the setting has none. */
  public String defaultText() {
    return defaultText;
  }

  public String allowed() {
    return allowed;
  }

  public String doc() {
    return doc;
  }

  public boolean isInternal() {
    return internal;
  }

  /** The spelling of an enum constant in configuration. */
  public interface Named {
    String configName();
  }

  @Override
  public String toString() {
    return key;
  }
}
