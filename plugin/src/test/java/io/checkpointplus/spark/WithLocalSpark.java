package io.checkpointplus.spark;

import java.nio.file.Path;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test that starts one real SparkContext at a time ({@link LocalSpark}) in a fresh temporary
 * directory, with the plugin's audit file at {@link #audit()}; the context is stopped after
 * each test.
 */
public abstract class WithLocalSpark {
  @TempDir
  protected Path tmp;

  protected SparkContext sc;

  @AfterEach
  void stopSpark() {
    if (sc != null) {
      LocalSpark.stop(sc);
      sc = null;
    }
  }

  /** The JSON Lines file {@link LocalSpark#withPlugin} points the audit sink at. */
  protected Path audit() {
    return tmp.resolve("audit.jsonl");
  }
}
