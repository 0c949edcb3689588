package io.checkpointplus.spark.inspector;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.io.CompressionCodec$;

/**
 * The {@code rdd-N} checkpoints a Spark Streaming metadata checkpoint references (the
 * checkpoint data of its stateful DStreams: {@code updateStateByKey}, windows with an inverse
 * function), read record by record for the classes they hold. A restart reads them with the
 * new build ({@code DStreamCheckpointData.restore}, then the first batches), so a class that
 * only they hold (a Java {@code updateStateByKey}'s state: the Java API's ClassTags are
 * {@code Object}, the class is nowhere in the metadata) fails the restart as surely as one in
 * the graph. They are read as the restart would: the serializer, compression and codec the
 * checkpoint's saved configuration names. Java serialization is decoded structurally
 * ({@link SerialStream}), no class loaded; Kryo writes no class descriptors to compare, so its
 * data is "cannot tell".
 */
final class StreamingRddData {
  static final String JAVA_SERIALIZER = "org.apache.spark.serializer.JavaSerializer";

  /** What was read: files, and what could not be checked (each a reason). */
  record Scan(int files, List<String> directories, List<String> notChecked) {
  }

  private StreamingRddData() {
  }

  /**
   * Adds the classes of every {@code rdd-N} checkpoint {@code file} references to
   * {@code into}. A metadata file that is not a streaming {@code Checkpoint} references none.
   */
  static Scan scan(MetadataFile file, Configuration hadoopConf, SerializedClasses into) {
    StreamingCheckpoint cp;
    try {
      cp = StreamingCheckpoint.of(file);
    } catch (IOException e) {
      return new Scan(0, List.of(), List.of());
    }
    Set<String> dirs = cp.referencedRddPaths();
    List<String> notChecked = new ArrayList<>();
    if (dirs.isEmpty()) {
      return new Scan(0, List.of(), notChecked);
    }
    String serializer = cp.conf.getOrDefault("spark.serializer", JAVA_SERIALIZER);
    if (!serializer.equals(JAVA_SERIALIZER)) {
      notChecked.add("the state data (" + dirs.size() + " rdd-N checkpoints) was written with "
          + serializer + ", which writes no class descriptors to compare: whether the new"
          + " build reads it cannot be told without running it");
      return new Scan(0, new ArrayList<>(dirs), notChecked);
    }
    SparkConf conf = new SparkConf(false);
    cp.conf.forEach(conf::set);
    // Unset, the running Spark's default (on from 4.1), as the restarted application reads it.
    boolean compressed = io.checkpointplus.spark.files.CheckpointFileManager.isCompressed(conf);
    int files = 0;
    Set<String> read = new LinkedHashSet<>();
    for (String dir : dirs) {
      Path path = locate(file, cp, dir, hadoopConf);
      if (path == null) {
        notChecked.add("state data " + dir + " is not found (nor under " + file.path.getParent()
            + "): the restart reads it");
        continue;
      }
      read.add(path.toString());
      try {
        FileSystem fs = path.getFileSystem(hadoopConf);
        FileStatus[] parts = fs.listStatus(path, p -> p.getName().startsWith("part-"));
        Arrays.sort(parts, Comparator.comparing(s -> s.getPath().getName()));
        for (FileStatus part : parts) {
          readRecords(fs, part.getPath(), compressed ? conf : null, into);
          files++;
        }
      } catch (IOException | RuntimeException e) {
        notChecked.add("state data " + path + " cannot be read: " + e.getMessage());
      }
    }
    return new Scan(files, new ArrayList<>(read), notChecked);
  }

  /**
   * Where the referenced directory {@code dir} is: as recorded, else at the same place under
   * the root the metadata file is in (a copied or moved checkpoint).
   */
  private static Path locate(MetadataFile file, StreamingCheckpoint cp, String dir,
      Configuration hadoopConf) {
    List<Path> candidates = new ArrayList<>();
    candidates.add(new Path(dir));
    if (cp.checkpointDir != null) {
      String recordedRoot = new Path(cp.checkpointDir).toUri().getPath();
      String at = new Path(dir).toUri().getPath();
      if (at != null && recordedRoot != null && at.startsWith(recordedRoot + "/")) {
        candidates.add(new Path(file.path.getParent(), at.substring(recordedRoot.length() + 1)));
      }
    }
    for (Path p : candidates) {
      try {
        if (p.getFileSystem(hadoopConf).exists(p)) {
          return p;
        }
      } catch (IOException | RuntimeException e) {
        // not reachable from here: the next candidate
      }
    }
    return null;
  }

  /** Every record of one part file, as Spark's {@code JavaDeserializationStream} reads it. */
  private static void readRecords(FileSystem fs, Path part, SparkConf codecConf,
      SerializedClasses into) throws IOException {
    InputStream raw = new BufferedInputStream(fs.open(part), 64 * 1024);
    InputStream opened;
    try {
      opened = codecConf == null ? raw
          : CompressionCodec$.MODULE$.createCodec(codecConf).compressedInputStream(raw);
    } catch (RuntimeException e) {
      raw.close();
      throw new IOException(part + " does not open with the checkpoint's codec: " + e, e);
    }
    try (InputStream in = opened) {
      SerialStream stream = new SerialStream(in);
      try {
        stream.readHeader();
      } catch (EOFException e) {
        if (fs.getFileStatus(part).getLen() == 0) {
          return; // a serializer that writes nothing for an empty partition
        }
        throw e;
      }
      Object[] record = new Object[1];
      long n = 0;
      try {
        while (stream.next(record)) {
          n++;
          into.add(record[0], stream.drainDescriptors(), part.toString());
        }
      } catch (IOException e) {
        throw new IOException(part + ": record " + (n + 1) + " cannot be decoded: "
            + e.getMessage(), e);
      }
    }
  }
}
