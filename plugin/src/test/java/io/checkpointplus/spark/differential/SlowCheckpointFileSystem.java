package io.checkpointplus.spark.differential;

import io.checkpointplus.spark.HookedLocalFileSystem;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.hadoop.fs.Path;

/**
 * Local files (scheme {@value #SCHEME}) where creating an RDD checkpoint's partition file takes
 * {@value #DELAY_MS} ms more, as on slow storage: a checkpoint of small state is then still
 * being written when the next batches start, which is what the background write must survive.
 */
public final class SlowCheckpointFileSystem extends HookedLocalFileSystem {
  static final String SCHEME = "slow";
  static final long DELAY_MS = 150;

  @Override
  protected String scheme() {
    return SCHEME;
  }

  @Override
  protected void beforeCreate(Path f) {
    Path parent = f.getParent();
    if (parent != null && parent.getName().startsWith("rdd-")
        && f.getName().matches("\\.?part-.*")) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DELAY_MS));
    }
  }
}
