package io.checkpointplus.spark.audit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every event to every sink without letting a sink slow or fail the checkpoint or job that
 * produced the event.
 * <ul>
 *   <li>Queued sinks (files, logs, metrics: they may block on I/O) are fed off the caller's
 *       thread: {@link #record} only offers the event to a bounded queue, and one daemon thread
 *       delivers events in order. A full queue drops the event and counts it
 *       ({@link #dropped()}).</li>
 *   <li>Immediate sinks ({@link #addImmediateSink}) get the event on the recording thread. This
 *       is for Spark's listener bus, whose {@code post} never blocks: Spark 3.5's
 *       {@code SparkContext.stop} stops the bus <em>before</em> it calls
 *       {@code DriverPlugin.shutdown}, so an event still in the queue when the application stops
 *       could never reach the event log. Posted at once, every event recorded before
 *       {@code sc.stop()} precedes {@code SparkListenerApplicationEnd}.</li>
 * </ul>
 * A sink that throws is reported once in the log and counted ({@link #failedDeliveries()});
 * the failure never reaches the caller. Only a {@link VirtualMachineError} (out of memory,
 * stack overflow) is rethrown: the JVM is then in no state to carry on as if nothing happened.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final Map<AuditLog, Boolean> OPEN = new ConcurrentHashMap<>();

  private final String appId;
  private final List<AuditSink> sinks = new CopyOnWriteArrayList<>();
  private final List<AuditSink> immediateSinks = new CopyOnWriteArrayList<>();
  private final BlockingQueue<AuditEvent> queue;
  private final Thread dispatcher;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failedDeliveries = new AtomicLong();
  private final Object progress = new Object();
  private long accepted;
  private long processed;
  private volatile boolean closed;

  public AuditLog(String appId, int queueSize) {
    this.appId = appId;
    this.queue = new ArrayBlockingQueue<>(queueSize);
    this.dispatcher = new Thread(this::dispatch, "checkpoint-plus-audit");
    dispatcher.setDaemon(true);
    dispatcher.start();
    OPEN.put(this, Boolean.TRUE);
  }

  public AuditLog addSink(AuditSink sink) {
    sinks.add(sink);
    return this;
  }

  /**
   * Adds a sink that receives each event on the thread that records it, before the event is
   * queued for the other sinks. Only for sinks whose {@code accept} never blocks.
   */
  public AuditLog addImmediateSink(AuditSink sink) {
    immediateSinks.add(sink);
    return this;
  }

  /** Starts an event of this application. */
  public AuditEvent.Builder event(AuditEvent.Type type) {
    return AuditEvent.of(type, appId);
  }

  /** Delivers {@code event} to the immediate sinks and queues it for the others; never blocks. */
  public void record(AuditEvent event) {
    if (closed) {
      return;
    }
    deliver(event, immediateSinks);
    synchronized (progress) {
      if (!queue.offer(event)) {
        if (dropped.getAndIncrement() == 0) {
          LOG.warn("Audit queue is full ({} events); events are dropped and counted",
              queue.size());
        }
        return;
      }
      accepted++;
    }
  }

  /** Waits until every event recorded so far has reached the sinks, at most {@code timeoutMs}. */
  public boolean flush(long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    synchronized (progress) {
      long target = accepted;
      while (processed < target) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        try {
          progress.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  /** Flushes every open audit log of this JVM (tests read the sinks after it). */
  public static void flushAll() {
    OPEN.keySet().forEach(log -> log.flush(10_000));
  }

  /** The audit logs of this JVM not yet closed (tests reach the plugin's log through it). */
  static java.util.Set<AuditLog> openLogs() {
    return java.util.Set.copyOf(OPEN.keySet());
  }

  /** The application whose events this log records. */
  String appId() {
    return appId;
  }

  /** Events dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Deliveries to a sink that failed. */
  public long failedDeliveries() {
    return failedDeliveries.get();
  }

  private void dispatch() {
    while (true) {
      AuditEvent event;
      try {
        event = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      deliver(event, sinks);
      synchronized (progress) {
        processed++;
        progress.notifyAll();
      }
    }
  }

  private void deliver(AuditEvent event, List<AuditSink> to) {
    for (AuditSink sink : to) {
      try {
        sink.accept(event);
      } catch (VirtualMachineError fatal) {
        throw fatal;
      } catch (Throwable t) {
        if (failedDeliveries.getAndIncrement() == 0) {
          LOG.warn("Audit sink {} failed; further failures are only counted", sink, t);
        }
      }
    }
  }

  private List<AuditSink> allSinks() {
    List<AuditSink> all = new java.util.ArrayList<>(immediateSinks);
    all.addAll(sinks);
    return all;
  }

  /** Delivers what is queued (for at most 10 s), then closes the sinks. */
  @Override
  public void close() {
    flush(10_000);
    closed = true;
    dispatcher.interrupt();
    OPEN.remove(this);
    for (AuditSink sink : allSinks()) {
      try {
        sink.close();
      } catch (VirtualMachineError fatal) {
        throw fatal;
      } catch (Throwable t) {
        LOG.warn("Could not close audit sink {}", sink, t);
      }
    }
    if (dropped.get() > 0) {
      LOG.warn("{} audit events were dropped because the audit queue was full", dropped.get());
    }
  }
}
