package io.checkpointplus.spark.structured.api34;

import io.checkpointplus.spark.structured.QueryFileStore;
import io.checkpointplus.spark.structured.SparkFileManagerCalls;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathFilter;
import org.apache.spark.sql.execution.streaming.CheckpointFileManager;

/**
 * The plugin's {@code spark.sql.streaming.checkpointFileManagerClass}: Spark's own manager (or
 * the one the application set, which the driver plugin moved to
 * {@value #WRAPPED_CLASS_KEY}) does every file operation; {@link QueryFileStore} adds integrity
 * records and checks for the files of query locations.
 *
 * <p>This source is written against Spark's API up to 4.0 ({@code
 * org.apache.spark.sql.execution.streaming}); the build derives the Spark 4.1+ class
 * ({@code ...structured.api41}, trait in {@code ...streaming.checkpointing}) from it by renaming
 * the two packages, and compiles each against its own Spark.
 */
public final class QueryCheckpointFileManager implements CheckpointFileManager {
  /** Spark's setting, read from the Hadoop configuration by {@code CheckpointFileManager.create}. */
  public static final String SPARK_KEY = "spark.sql.streaming.checkpointFileManagerClass";
  /** The application's own manager class, when it set one: the plugin wraps it. */
  public static final String WRAPPED_CLASS_KEY =
      "spark.checkpointplus.sql.wrappedCheckpointFileManagerClass";

  private final CheckpointFileManager spark;
  private final QueryFileStore store;

  public QueryCheckpointFileManager(Path path, Configuration conf) {
    Configuration forSpark = new Configuration(conf);
    String wrapped = conf.get(WRAPPED_CLASS_KEY, "").trim();
    if (wrapped.isEmpty() || wrapped.equals(getClass().getName())) {
      forSpark.unset(SPARK_KEY);
    } else {
      forSpark.set(SPARK_KEY, wrapped);
    }
    this.spark = CheckpointFileManager.create(path, forSpark);
    boolean sparkChecksumsState = QueryFileStore.sparkChecksumsStateFiles(conf,
        org.apache.spark.package$.MODULE$.SPARK_VERSION());
    this.store = new QueryFileStore(new Calls(), sparkChecksumsState, conf);
  }

  /** The wrapped manager, as the version-neutral store calls it. */
  private final class Calls implements SparkFileManagerCalls {
    @Override
    public FSDataOutputStream createAtomic(Path path, boolean overwriteIfPossible) {
      return spark.createAtomic(path, overwriteIfPossible);
    }

    @Override
    public void cancel(FSDataOutputStream stream) {
      ((CancellableFSDataOutputStream) stream).cancel();
    }

    @Override
    public FSDataInputStream open(Path path) {
      return spark.open(path);
    }

    @Override
    public void delete(Path path) {
      spark.delete(path);
    }
  }

  @Override
  public CancellableFSDataOutputStream createAtomic(Path path, boolean overwriteIfPossible) {
    FSDataOutputStream direct;
    try {
      direct = store.createDirect(path, overwriteIfPossible);
    } catch (IOException e) {
      throw sneaky(e);
    }
    CancellableFSDataOutputStream out = direct != null
        ? new DirectStream(direct, store, path, overwriteIfPossible)
        : spark.createAtomic(path, overwriteIfPossible);
    QueryFileStore.Write write = store.beginWrite(path);
    return write == null ? out : new RecordingStream(out, write);
  }

  /** A write to the final name on an object store: close publishes, cancel aborts the upload. */
  private static final class DirectStream extends CancellableFSDataOutputStream {
    private final FSDataOutputStream direct;
    private final QueryFileStore store;
    private final Path path;
    private final boolean overwriteIfPossible;

    DirectStream(FSDataOutputStream direct, QueryFileStore store, Path path,
        boolean overwriteIfPossible) {
      super(direct);
      this.direct = direct;
      this.store = store;
      this.path = path;
      this.overwriteIfPossible = overwriteIfPossible;
    }

    @Override
    public void close() throws IOException {
      store.closeDirect(direct, path, overwriteIfPossible);
    }

    @Override
    public void cancel() {
      QueryFileStore.cancelDirect(direct);
    }
  }

  /** Spark's stream, counted and checksummed; the record is written once Spark's close succeeded. */
  private static final class RecordingStream extends CancellableFSDataOutputStream {
    private final CancellableFSDataOutputStream spark;
    private final QueryFileStore.Write write;
    private boolean terminated;

    RecordingStream(CancellableFSDataOutputStream spark, QueryFileStore.Write write) {
      super(write.wrap(spark));
      this.spark = spark;
      this.write = write;
    }

    @Override
    public synchronized void close() throws IOException {
      if (terminated) {
        return;
      }
      terminated = true;
      super.close();
      write.committed();
    }

    @Override
    public synchronized void cancel() {
      terminated = true;
      spark.cancel();
    }
  }

  @Override
  public FSDataInputStream open(Path path) {
    try {
      return store.open(path);
    } catch (IOException e) {
      // Spark's trait declares no checked exception; its own managers throw IOExceptions as
      // they come (Scala), and so does this one.
      throw sneaky(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
    throw (E) e;
  }

  @Override
  public FileStatus[] list(Path path, PathFilter filter) {
    return spark.list(path, filter);
  }

  @Override
  public void mkdirs(Path path) {
    spark.mkdirs(path);
  }

  @Override
  public boolean exists(Path path) {
    return spark.exists(path);
  }

  @Override
  public void delete(Path path) {
    spark.delete(path);
    store.deleted(path);
  }

  @Override
  public boolean isLocal() {
    return spark.isLocal();
  }

  @Override
  public Path createCheckpointDirectory() {
    return spark.createCheckpointDirectory();
  }

  /** Spark 4.1 added {@code close()} to the trait; earlier lines never call it. */
  public void close() {
    java.lang.reflect.Method close;
    try {
      close = spark.getClass().getMethod("close");
    } catch (NoSuchMethodException noCloseBefore41) {
      return;
    }
    try {
      close.invoke(spark);
    } catch (java.lang.reflect.InvocationTargetException e) {
      // The wrapped manager's own failure, as Spark would see it without the plugin.
      throw sneaky(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
