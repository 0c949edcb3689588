package io.checkpointplus.spark.policy;

import io.checkpointplus.spark.HookedLocalFileSystem;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Local files (scheme {@value #SCHEME}) where the first file created inside the second RDD
 * checkpoint directory ({@code rdd-<id>}) is held, its creating task waiting, until the test
 * {@linkplain #release releases} it: a checkpoint write that takes as long as the test needs,
 * after one that completed; or, {@link #failInstead}, fails it.
 * Tasks of {@code local} masters run in the test's JVM, so the latches are shared.
 */
public final class HeldWritesFileSystem extends HookedLocalFileSystem {
  static final String SCHEME = "held";
  static volatile CountDownLatch holding = new CountDownLatch(1);
  static volatile CountDownLatch released = new CountDownLatch(1);
  /** The held checkpoint's directory, and the one written before it. */
  static volatile Path heldDirectory;
  static volatile Path firstDirectory;
  /**
   * When set, every file of the held checkpoint fails to be created (an IOException naming
   * {@link #FAILURE}) instead of waiting.
   */
  static volatile boolean failInstead;
  static final String FAILURE = "the test failed this checkpoint write";
  /**
   * When set, the held file waits as usual and then, released, fails to be created, as every
   * later file of that checkpoint does: a write that fails at the moment the test chooses.
   */
  static volatile boolean failOnRelease;
  /**
   * When set, the hold is at the creation of the checkpoint's directory, on the driver before
   * the write's job runs, instead of at its first file.
   */
  static volatile boolean holdDirectoryCreation;
  private static final java.util.Set<Path> SEEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The settings a SparkContext needs to use it: a new map, for the test's own. */
  static java.util.Map<String, String> settings() {
    java.util.Map<String, String> settings = new java.util.HashMap<>();
    settings.put("spark.hadoop.fs." + SCHEME + ".impl", HeldWritesFileSystem.class.getName());
    settings.put("spark.hadoop.fs." + SCHEME + ".impl.disable.cache", "true");
    return settings;
  }

  static void arm() {
    holding = new CountDownLatch(1);
    released = new CountDownLatch(1);
    heldDirectory = null;
    firstDirectory = null;
    failInstead = false;
    failOnRelease = false;
    holdDirectoryCreation = false;
    SEEN.clear();
  }

  static void release() {
    released.countDown();
  }

  @Override
  protected String scheme() {
    return SCHEME;
  }

  @Override
  protected void beforeCreate(Path f) throws IOException {
    holdIfFirstInACheckpoint(f);
  }

  @Override
  public boolean mkdirs(Path f) throws IOException {
    holdIfACheckpointDirectory(f);
    return super.mkdirs(f);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    holdIfACheckpointDirectory(f);
    return super.mkdirs(f, permission);
  }

  private static void holdIfACheckpointDirectory(Path f) throws IOException {
    if (holdDirectoryCreation) {
      hold(f, f);
    }
  }

  private static void holdIfFirstInACheckpoint(Path f) throws IOException {
    if (!holdDirectoryCreation) {
      hold(f.getParent(), f);
    }
  }

  /** Holds (or fails) the write of {@code f} if it is the second checkpoint directory's. */
  private static void hold(Path parent, Path f) throws IOException {
    boolean failing = failInstead || failOnRelease && released.getCount() == 0;
    if (failing && parent != null && parent.equals(heldDirectory)) {
      throw new IOException(FAILURE + " (again): " + f); // every file of it, each retry too
    }
    if (parent == null || !parent.getName().startsWith("rdd-") || holding.getCount() == 0) {
      return;
    }
    synchronized (HeldWritesFileSystem.class) {
      if (SEEN.add(parent) && SEEN.size() == 1) {
        firstDirectory = parent;
      }
      if (holding.getCount() == 0 || parent.equals(firstDirectory)) {
        return;
      }
      heldDirectory = parent;
      holding.countDown();
      if (failInstead) {
        throw new IOException(FAILURE + ": " + f);
      }
      try {
        if (!released.await(120, TimeUnit.SECONDS)) {
          throw new IOException("the test never released the write of " + f);
        }
        if (failOnRelease) {
          throw new IOException(FAILURE + " (held, then failed): " + f);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("held write of " + f);
      }
    }
  }
}
