package io.checkpointplus.spark.config;

import org.apache.spark.SparkConf;
import org.apache.spark.internal.config.ConfigEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spark's own checkpoint settings, read as the running Spark reads them. One plugin jar runs on
 * several Spark lines whose defaults differ ({@code spark.checkpoint.compress} is off by default
 * up to Spark 4.0 and on from 4.1), so they are read through Spark's own configuration entries,
 * never with a default of the plugin's. ({@code spark.checkpoint.dir}, read by Spark 4, needs
 * nothing: Spark applies it before the plugin installs.)
 */
public final class SparkCheckpointSettings {
  private static final Logger LOG = LoggerFactory.getLogger(SparkCheckpointSettings.class);

  /** Spark's key for checkpoint compression. */
  public static final String COMPRESS_KEY = "spark.checkpoint.compress";

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
}
