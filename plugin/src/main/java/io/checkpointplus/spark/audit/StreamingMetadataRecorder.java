package io.checkpointplus.spark.audit;

import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.streaming.StreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Records Spark Streaming's metadata checkpoints ({@code checkpoint-<time>} files, written by
 * Spark's own checkpoint writer thread) as {@code checkpoint.metadata} events. Spark Streaming
 * reports batches on the SparkContext's listener bus; after each completed batch the streaming
 * checkpoint directory is listed once and every metadata file not seen before is recorded.
 */
public final class StreamingMetadataRecorder extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingMetadataRecorder.class);
  /** Spark wraps streaming events in this (private) class on the SparkContext's bus. */
  private static final String WRAPPED =
      "org.apache.spark.streaming.scheduler.StreamingListenerBus$WrappedStreamingListenerEvent";
  private static final int REMEMBERED = 200;

  private final AuditLog audit;
  private final Configuration hadoopConf;
  private final Set<String> seen = new LinkedHashSet<>();

  public StreamingMetadataRecorder(AuditLog audit, Configuration hadoopConf) {
    this.audit = audit;
    this.hadoopConf = hadoopConf;
  }

  /** Whether Spark Streaming is on the class path (it is in every Spark distribution). */
  public static boolean available() {
    try {
      Class.forName(WRAPPED, false, StreamingMetadataRecorder.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  @Override
  public void onOtherEvent(SparkListenerEvent event) {
    if (!event.getClass().getName().equals(WRAPPED)) {
      return;
    }
    try {
      Object inner = event.getClass().getMethod("streamingListenerEvent").invoke(event);
      if (inner instanceof StreamingListenerBatchCompleted) {
        recordNewMetadataFiles();
      }
    } catch (Exception | LinkageError e) {
      LOG.debug("Could not record streaming metadata checkpoints", e);
    }
  }

  private void recordNewMetadataFiles() throws Exception {
    Option<StreamingContext> active = StreamingContext.getActive();
    if (active.isEmpty() || active.get().checkpointDir() == null) {
      return;
    }
    Path dir = new Path(active.get().checkpointDir());
    FileSystem fs = dir.getFileSystem(hadoopConf);
    FileStatus[] files = fs.listStatus(dir, p -> p.getName().startsWith("checkpoint-"));
    Arrays.sort(files, Comparator.comparingLong(FileStatus::getModificationTime));
    for (FileStatus f : files) {
      String name = f.getPath().getName();
      if (seen.add(name)) {
        String time = name.substring("checkpoint-".length()).replace(".bk", "");
        audit.record(audit.event(AuditEvent.Type.CHECKPOINT_METADATA)
            .with("dir", dir.toString())
            .with("file", name)
            .with("bytes", f.getLen())
            .with("batchTime", time.matches("\\d+") ? Long.parseLong(time) : null)
            .with("writtenAt", f.getModificationTime())
            .build());
      }
    }
    while (seen.size() > REMEMBERED) {
      seen.remove(seen.iterator().next());
    }
  }
}
