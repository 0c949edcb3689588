package io.checkpointplus.spark.files;

import io.checkpointplus.spark.config.ConfigEntry;
import java.util.Locale;

/** What is checked when a checkpoint is read back ({@code spark.checkpointplus.files.verify}). */
public enum VerifyMode implements ConfigEntry.Named {
  /** Nothing beyond what Spark checks (file names, partition count). */
  NONE,
  /** Every partition file the manifest lists exists and has the recorded size. */
  SIZE,
  /** As {@link #SIZE}, and every file's CRC32C matches (reads each file once). */
  CHECKSUM;

  @Override
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
