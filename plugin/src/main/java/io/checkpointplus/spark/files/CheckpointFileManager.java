package io.checkpointplus.spark.files;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkConf;
import org.apache.spark.io.CompressionCodec$;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.SerializerInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file layer of one {@code rdd-<id>} checkpoint directory, in Spark's own layout:
 * {@code part-%05d} files serialized with {@code spark.serializer} (compressed iff
 * {@code spark.checkpoint.compress}) and an optional {@code _partitioner} file. Stock Spark reads
 * what this class writes and the reverse.
 *
 * <p>A partition is written to a hidden attempt file and committed by rename; a commit that
 * finds the final file already there (another attempt won) keeps that file and drops its own.
 */
public final class CheckpointFileManager {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointFileManager.class);

  /** Spark's name for the partitioner file ({@code ReliableCheckpointRDD}). */
  public static final String PARTITIONER_FILE = "_partitioner";

  private final Path dir;
  private final FileSystem fs;

  public CheckpointFileManager(Path dir, Configuration hadoopConf) throws IOException {
    this.dir = dir;
    this.fs = dir.getFileSystem(hadoopConf);
  }

  /** Spark's partition file name, {@code part-%05d}. */
  public static String partitionFileName(int partitionIndex) {
    return String.format("part-%05d", partitionIndex);
  }

  public Path dir() {
    return dir;
  }

  /** Creates the directory; fails with the path in the message when it cannot. */
  public void createDirectory() throws IOException {
    if (!fs.mkdirs(dir)) {
      throw new IOException("Failed to create checkpoint directory " + dir);
    }
  }

  /**
   * Opens the attempt file of one partition. The caller writes, closes, then calls
   * {@link PartitionFile#commit()}; a failed write is dropped with {@link PartitionFile#abort()}.
   */
  public PartitionFile openPartition(int partitionIndex, long taskAttemptId, SparkConf conf)
      throws IOException {
    Path finalPath = new Path(dir, partitionFileName(partitionIndex));
    Path attemptPath = new Path(dir, "." + finalPath.getName() + "-attempt-" + taskAttemptId);
    int bufferSize = (int) conf.getSizeAsBytes("spark.buffer.size", "65536");
    CountingOutputStream counted = new CountingOutputStream(fs.create(attemptPath, false,
        bufferSize));
    OutputStream out = conf.getBoolean("spark.checkpoint.compress", false)
        ? CompressionCodec$.MODULE$.createCodec(conf).compressedOutputStream(counted)
        : counted;
    return new PartitionFile(attemptPath, finalPath, counted, out);
  }

  /** Writes Spark's {@code _partitioner} file. */
  public void writePartitioner(Partitioner partitioner, SerializerInstance serializer,
      SparkConf conf) throws IOException {
    int bufferSize = (int) conf.getSizeAsBytes("spark.buffer.size", "65536");
    Path path = new Path(dir, PARTITIONER_FILE);
    SerializationStream stream = serializer.serializeStream(fs.create(path, false, bufferSize));
    try {
      stream.writeObject(partitioner, scala.reflect.ClassTag$.MODULE$.apply(Partitioner.class));
    } finally {
      stream.close();
    }
  }

  /** The number of committed {@code part-*} files in the directory. */
  public int committedPartitionCount() throws IOException {
    FileStatus[] all = fs.listStatus(dir);
    return (int) Arrays.stream(all).filter(s -> s.getPath().getName().startsWith("part-")).count();
  }

  /** One partition being written: attempt file first, final name after {@link #commit()}. */
  public final class PartitionFile {
    private final Path attemptPath;
    private final Path finalPath;
    private final CountingOutputStream counted;
    private final OutputStream stream;

    private PartitionFile(Path attemptPath, Path finalPath, CountingOutputStream counted,
        OutputStream stream) {
      this.attemptPath = attemptPath;
      this.finalPath = finalPath;
      this.counted = counted;
      this.stream = stream;
    }

    /** Where the records go; closing it is the caller's job (a serialization stream does it). */
    public OutputStream stream() {
      return stream;
    }

    /** Bytes written to the file so far (after compression). */
    public long bytesWritten() {
      return counted.count();
    }

    public Path finalPath() {
      return finalPath;
    }

    /**
     * Moves the closed attempt file to its final name. When another attempt of the same task
     * committed first, its file is kept and this attempt's file is deleted, as Spark does.
     */
    public void commit() throws IOException {
      boolean renamed;
      try {
        renamed = fs.rename(attemptPath, finalPath);
      } catch (FileAlreadyExistsException e) {
        // S3A and ABFS throw instead of returning false when the destination exists.
        renamed = false;
      }
      if (renamed) {
        return;
      }
      if (!fs.exists(finalPath)) {
        abort();
        throw new IOException("Could not commit checkpoint file " + attemptPath + " as "
            + finalPath + ": rename failed and no other attempt committed it");
      }
      LOG.info("Checkpoint file {} already committed by another attempt; not overwriting it",
          finalPath);
      abort();
    }

    /** Deletes the attempt file; never throws. */
    public void abort() {
      try {
        if (fs.exists(attemptPath) && !fs.delete(attemptPath, false)) {
          LOG.warn("Could not delete checkpoint attempt file {}", attemptPath);
        }
      } catch (IOException e) {
        LOG.warn("Could not delete checkpoint attempt file {}", attemptPath, e);
      }
    }
  }
}
