package io.checkpointplus.spark.structured;

import java.io.IOException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;

/**
 * The calls {@link QueryFileStore} makes on the Spark {@code CheckpointFileManager} it wraps,
 * with Spark's types (whose package depends on the Spark line) left to the adapter.
 */
public interface SparkFileManagerCalls {
  /** Spark's {@code createAtomic}: the stream publishes the file on close. */
  FSDataOutputStream createAtomic(Path path, boolean overwriteIfPossible) throws IOException;

  /** Spark's {@code CancellableFSDataOutputStream.cancel} on a stream from createAtomic. */
  void cancel(FSDataOutputStream stream);

  FSDataInputStream open(Path path) throws IOException;

  void delete(Path path) throws IOException;
}
