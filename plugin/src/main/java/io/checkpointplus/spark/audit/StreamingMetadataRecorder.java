package io.checkpointplus.spark.audit;

import java.io.FileNotFoundException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.streaming.StreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchSubmitted;
import org.apache.spark.streaming.scheduler.StreamingListenerStreamingStarted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Records Spark Streaming's metadata checkpoints ({@code checkpoint-<time>} files, written by
 * Spark's own checkpoint writer thread) as {@code checkpoint.metadata} events: one per completed
 * batch, for the file of that batch's time, never one for a batch that has not completed.
 *
 * <p>Spark Streaming reports batches on the SparkContext's listener bus. Nothing is done on the
 * bus's thread but handing the batch time over: a thread of this recorder, idle between
 * batches, looks up that one file with a single {@code getFileStatus} (a listing per batch
 * costs a LIST request on object stores). Spark writes a batch's metadata twice, when the batch
 * is generated and again when it completes (the first copy becomes {@code .bk}); the event
 * describes the file as found when the batch completed ({@code .bk} if Spark is replacing it at
 * that moment; {@code observedAt: batchCompleted}).
 *
 * <p>Under a backlog Spark removes a batch's files before the batch completes (it keeps the ten
 * newest, {@code .bk} included, and every generated batch writes one: a first batch waiting for
 * executors on a cluster loses the files of the five before the newest). So the file is also
 * looked up when the batch is submitted (the writer thread may not have written it yet; it is
 * looked up again with each later batch until found, for the 16 newest such batches), and kept
 * as an observation, not an event: a completed batch whose file is gone is recorded as it was
 * seen then ({@code observedAt: batchSubmitted}). Without either, the directory is listed once
 * and the files of completed batches not yet recorded (a lookup that failed or was dropped) are
 * recorded from it; later batches' files found there become observations. A batch that never
 * completes gets no event.
 *
 * <p>The directory is the one of the StreamingContext as it started: when the application stops
 * it, the listener queue may not have delivered the last batches' completion yet, and by then
 * no context is active.
 */
public final class StreamingMetadataRecorder extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingMetadataRecorder.class);
  /** Spark wraps streaming events in this (private) class on the SparkContext's bus. */
  private static final String WRAPPED =
      "org.apache.spark.streaming.scheduler.StreamingListenerBus$WrappedStreamingListenerEvent";
  /** Batches waiting for their lookup; beyond this a batch's event is dropped, never waited for. */
  private static final int PENDING = 64;
  /** Completed batches not yet recorded that are remembered; beyond this the oldest is dropped. */
  private static final int REMEMBERED = 200;
  /** Batches looked up again at each submission at most: a lookup each, a request on S3. */
  private static final int NOT_YET_WRITTEN = 16;
  /** A batch's metadata file (its {@code .bk} copy sorts after it, and counts only without it). */
  private static final Pattern BATCH_FILE = Pattern.compile("checkpoint-(\\d+)(\\.bk)?");

  private final AuditLog audit;
  private final Configuration hadoopConf;
  /**
   * Completed batches not yet recorded: added on the bus's thread when a batch completes, taken
   * by the lookup thread when it records one, so a batch is recorded once and only once it
   * completed.
   */
  private final ConcurrentSkipListSet<Long> unrecorded = new ConcurrentSkipListSet<>();
  /** Files seen of batches not yet recorded, by batch time (the lookup thread). */
  private final ConcurrentSkipListMap<Long, FileStatus> seen = new ConcurrentSkipListMap<>();
  /**
   * Submitted batches whose file the writer had not written yet at their lookup, looked up again
   * with each later batch until found (a writer behind by several batches under load).
   */
  private final ConcurrentSkipListSet<Long> notYetWritten = new ConcurrentSkipListSet<>();
  /** The checkpoint directory of the StreamingContext that started last (the bus's thread). */
  private volatile Path streamingDir;
  /**
   * Opens when this listener's queue delivers the application's end, after every completion
   * posted before it: from Spark 4.0 plugins shut down before the listener bus drains.
   */
  private final CountDownLatch applicationEnded = new CountDownLatch(1);
  private final ThreadPoolExecutor lookups = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
      new ArrayBlockingQueue<>(PENDING), r -> {
        Thread t = new Thread(r, "checkpointplus-streaming-metadata");
        t.setDaemon(true);
        return t;
      });

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
      if (inner instanceof StreamingListenerStreamingStarted) {
        // Spark posts this just before it makes the context active, holding the lock that
        // getActive() takes: the context found is the one starting.
        Option<StreamingContext> active = StreamingContext.getActive();
        streamingDir = active.isEmpty() || active.get().checkpointDir() == null
            ? null : new Path(active.get().checkpointDir());
      } else if (inner instanceof StreamingListenerBatchSubmitted submitted
          && streamingDir != null) {
        Path dir = streamingDir;
        long batchTime = submitted.batchInfo().batchTime().milliseconds();
        lookups.execute(() -> observe(dir, batchTime));
      } else if (inner instanceof StreamingListenerBatchCompleted completed
          && streamingDir != null) {
        Path dir = streamingDir;
        long batchTime = completed.batchInfo().batchTime().milliseconds();
        unrecorded.add(batchTime);
        while (unrecorded.size() > REMEMBERED) {
          unrecorded.pollFirst();
        }
        lookups.execute(() -> record(dir, batchTime));
      }
    } catch (RejectedExecutionException e) {
      LOG.debug("Streaming metadata lookups are behind; batch not recorded");
    } catch (Exception | LinkageError e) {
      LOG.debug("Could not record streaming metadata checkpoints", e);
    }
  }

  @Override
  public void onApplicationEnd(SparkListenerApplicationEnd end) {
    applicationEnded.countDown();
  }

  /**
   * Waits, at most {@code timeoutMs} in all, for this listener's queue to deliver the
   * application's end (so every batch completion before it has been handed over: Spark 4.0
   * shuts plugins down before it drains the listener bus, 3.x after) and for the lookups of the
   * batches reported, so their events are recorded before the audit log closes; then stops the
   * recorder's thread. Without a StreamingContext ever started it does not wait.
   */
  public void close(long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    try {
      if (streamingDir != null && !applicationEnded.await(timeoutMs, TimeUnit.MILLISECONDS)) {
        LOG.debug("The application's end did not reach the streaming metadata recorder in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Path dir = streamingDir;
    if (dir != null && !unrecorded.isEmpty()) {
      try {
        lookups.execute(() -> recordAtStop(dir));
      } catch (RejectedExecutionException e) {
        LOG.debug("Streaming metadata lookups are behind at stop; last batches not recorded");
      }
    }
    lookups.shutdown();
    try {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!lookups.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        LOG.debug("Streaming metadata lookups still running at stop; their events are lost");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * On the lookup thread, when batch {@code batchTime} is submitted: remembers its file as
   * written at generation, and those of earlier batches not yet written at their own lookup
   * (Spark's writer thread runs behind the listener bus, by several batches under load).
   */
  private void observe(Path dir, long batchTime) {
    try {
      FileSystem fs = dir.getFileSystem(hadoopConf);
      for (Long earlier : notYetWritten) {
        FileStatus file = find(fs, dir, earlier);
        if (file != null) {
          notYetWritten.remove(earlier);
          remember(earlier, file);
        }
      }
      FileStatus file = find(fs, dir, batchTime);
      if (file != null) {
        remember(batchTime, file);
      } else {
        notYetWritten.add(batchTime);
        while (notYetWritten.size() > NOT_YET_WRITTEN) {
          notYetWritten.pollFirst();
        }
      }
    } catch (Exception | LinkageError e) {
      LOG.debug("Could not look up the metadata checkpoint of batch {}", batchTime, e);
    }
  }

  /** On the lookup thread: records batch {@code batchTime}'s file, or catches up by a listing. */
  private void record(Path dir, long batchTime) {
    if (!unrecorded.contains(batchTime)) {
      return; // recorded already by a catch-up
    }
    try {
      FileSystem fs = dir.getFileSystem(hadoopConf);
      FileStatus file = find(fs, dir, batchTime);
      if (file != null) {
        record(dir, batchTime, file, "batchCompleted");
        return;
      }
      FileStatus atSubmission = seen.get(batchTime);
      if (atSubmission != null) {
        record(dir, batchTime, atSubmission, "batchSubmitted");
        return;
      }
      // Neither lookup found it: list once. Completed batches not yet recorded are recorded
      // from the files found; a later batch's file is not its event until it completes.
      FileStatus[] files = fs.listStatus(dir, p -> BATCH_FILE.matcher(p.getName()).matches());
      Arrays.sort(files, Comparator.comparing(f -> f.getPath().getName()));
      for (FileStatus f : files) {
        Matcher m = BATCH_FILE.matcher(f.getPath().getName());
        if (m.matches()) {
          long fileBatch = Long.parseLong(m.group(1));
          if (!record(dir, fileBatch, f, "batchCompleted") && !seen.containsKey(fileBatch)) {
            remember(fileBatch, f);
          }
        }
      }
      for (Long completed : unrecorded) {
        FileStatus earlier = seen.get(completed);
        if (earlier != null) {
          record(dir, completed, earlier, "batchSubmitted");
        }
      }
    } catch (Exception | LinkageError e) {
      LOG.debug("Could not record the metadata checkpoint of batch {}", batchTime, e);
    }
  }

  /**
   * On the lookup thread, once the application stopped: completed batches whose file Spark's
   * writer had not written by their completion (it runs behind under load, and no later batch
   * came to look again) are looked up once more. StreamingContext.stop waits for that writer,
   * so their files are there now, unless Spark removed them.
   */
  private void recordAtStop(Path dir) {
    try {
      FileSystem fs = dir.getFileSystem(hadoopConf);
      for (Long batchTime : unrecorded) {
        FileStatus file = find(fs, dir, batchTime);
        if (file != null) {
          record(dir, batchTime, file, "stop");
        }
      }
    } catch (Exception | LinkageError e) {
      LOG.debug("Could not record the last metadata checkpoints at stop", e);
    }
  }

  /**
   * Batch {@code batchTime}'s file, or its {@code .bk} (the batch's first copy: Spark renames it
   * so while it writes the second), or null when neither is there.
   */
  private static FileStatus find(FileSystem fs, Path dir, long batchTime) throws Exception {
    for (String name : new String[] {"checkpoint-" + batchTime,
        "checkpoint-" + batchTime + ".bk"}) {
      try {
        return fs.getFileStatus(new Path(dir, name));
      } catch (FileNotFoundException e) {
        // next name
      }
    }
    return null;
  }

  private void remember(long batchTime, FileStatus file) {
    seen.put(batchTime, file);
    while (seen.size() > REMEMBERED) {
      seen.pollFirstEntry();
    }
  }

  /**
   * Records {@code file} as batch {@code batchTime}'s if that batch completed unrecorded;
   * {@code observedAt} says when the file was found. Returns whether it recorded.
   */
  private boolean record(Path dir, long batchTime, FileStatus file, String observedAt) {
    if (!unrecorded.remove(batchTime)) {
      return false;
    }
    seen.remove(batchTime);
    audit.record(audit.event(AuditEvent.Type.CHECKPOINT_METADATA)
        .with("dir", dir.toString())
        .with("file", file.getPath().getName())
        .with("bytes", file.getLen())
        .with("batchTime", batchTime)
        .with("writtenAt", file.getModificationTime())
        .with("observedAt", observedAt)
        .build());
    return true;
  }
}
