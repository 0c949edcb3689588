package io.checkpointplus.spark.config;

import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.internal.config.ConfigEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spark's own checkpoint settings, read as the running Spark reads them. Their defaults and
 * their very existence differ between Spark lines, and one plugin jar runs on several lines, so
 * they are read through Spark's own configuration entries, never with a default of the
 * plugin's:
 * <ul>
 *   <li>{@code spark.checkpoint.compress}: off by default up to Spark 4.0, on from 4.1.</li>
 *   <li>{@code spark.checkpoint.dir}: Spark 4.0 and later set it as the checkpoint directory
 *       when the SparkContext starts (before the plugin installs); earlier Spark ignores it,
 *       and the plugin applies it there ({@link PluginSettings#dir()}).</li>
 * </ul>
 */
public final class SparkCheckpointSettings {
  private static final Logger LOG = LoggerFactory.getLogger(SparkCheckpointSettings.class);

  /** Spark's key for checkpoint compression. */
  public static final String COMPRESS_KEY = "spark.checkpoint.compress";
  /** Spark's key for the default checkpoint directory (read by Spark 4.0 and later). */
  public static final String DIR_KEY = "spark.checkpoint.dir";

  private SparkCheckpointSettings() {
  }

  /**
   * Whether Spark compresses checkpoint files under {@code conf}: exactly what Spark's
   * {@code ReliableCheckpointRDD} reads, so the plugin's files are always readable by Spark.
   */
  public static boolean compress(SparkConf conf) {
    try {
      return (Boolean) conf.get(compressEntry());
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      // A Spark build without the entry: the key as Spark 3.x and 4.0 read it.
      LOG.debug("Spark's entry for {} is unreadable; reading the key", COMPRESS_KEY, t);
      return conf.getBoolean(COMPRESS_KEY, false);
    }
  }

  @SuppressWarnings("unchecked")
  private static ConfigEntry<Object> compressEntry() {
    return (ConfigEntry<Object>) (ConfigEntry<?>)
        org.apache.spark.internal.config.package$.MODULE$.CHECKPOINT_COMPRESS();
  }

  /** {@code spark.checkpoint.dir}, whether or not the running Spark reads it itself. */
  public static Optional<String> directory(SparkConf conf) {
    return Optional.ofNullable(conf.get(DIR_KEY, null)).filter(d -> !d.isBlank());
  }
}
