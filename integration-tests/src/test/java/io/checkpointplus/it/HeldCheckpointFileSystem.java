package io.checkpointplus.it;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * Local files (scheme {@value #SCHEME}) for a child JVM's checkpoint directory, where a test in
 * another process holds an RDD checkpoint's write: once the file {@value #ARMED} exists in the
 * control directory ({@value #CONTROL_KEY}, a {@code spark.hadoop.} setting, so the driver's and
 * every executor's tasks see it), the next partition file created in an {@code rdd-<id>}
 * directory (by a task, never the driver) writes to {@value #HELD} there its path, its task's
 * batch time and whether the write is a background one ({@link #describe}), and the task waits
 * until the process is killed (the write's other files are written: one task slot is held, not
 * all). A kill is then certain to land inside a write, which can never complete.
 */
public final class HeldCheckpointFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "held";
  static final String CONTROL_KEY = "fs.held.control";
  static final String ARMED = "armed";
  static final String HELD = "held";

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite,
      int bufferSize, short replication, long blockSize, Progressable progress)
      throws IOException {
    holdIfArmed(f);
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication,
      long blockSize, Progressable progress) throws IOException {
    holdIfArmed(f);
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream createNonRecursive(Path f, FsPermission permission,
      EnumSet<CreateFlag> flags, int bufferSize, short replication, long blockSize,
      Progressable progress) throws IOException {
    holdIfArmed(f);
    return super.createNonRecursive(f, permission, flags, bufferSize, replication, blockSize,
        progress);
  }

  /**
   * The held file's three lines: its path, the batch time of the job writing it (Spark
   * Streaming's job property) and whether the write is a background one (the plugin's).
   */
  private static String describe(Path f, org.apache.spark.TaskContext task) {
    return f + "\n" + task.getLocalProperty("spark.streaming.internal.batchTime") + "\n"
        + task.getLocalProperty("spark.checkpointplus.internal.background") + "\n";
  }

  private void holdIfArmed(Path f) throws IOException {
    Path parent = f.getParent();
    String control = getConf() == null ? null : getConf().get(CONTROL_KEY);
    org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
    if (parent == null || !parent.getName().startsWith("rdd-") || task == null
        || !f.getName().matches("\\.?part-.*") || control == null
        || !Files.exists(java.nio.file.Path.of(control, ARMED))) {
      return;
    }
    try {
      Files.write(java.nio.file.Path.of(control, HELD), describe(f, task)
          .getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE_NEW);
    } catch (FileAlreadyExistsException another) {
      // Only one file is held: holding every task of the write would take every task slot,
      // and no batch could run beside it, where a slow write takes only some.
      return;
    }
    // Until the test kills the process; a bound, so that a test that never does cannot leave
    // a process behind for ever.
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
      if (Thread.interrupted()) {
        throw new InterruptedIOException("held write of " + f);
      }
    }
    throw new IOException("the test never killed the process holding the write of " + f);
  }
}
