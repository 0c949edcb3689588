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
 * Hands every event to every sink, off the caller's thread: {@link #record} only offers the event
 * to a bounded queue, and one daemon thread delivers events in order. A full queue drops the
 * event and counts it ({@link #dropped()}); a sink that throws is reported once in the log and
 * counted. Neither can slow or fail the checkpoint or job that produced the event.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final Map<AuditLog, Boolean> OPEN = new ConcurrentHashMap<>();

  private final String appId;
  private final List<AuditSink> sinks = new CopyOnWriteArrayList<>();
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

  /** Starts an event of this application. */
  public AuditEvent.Builder event(AuditEvent.Type type) {
    return AuditEvent.of(type, appId);
  }

  /** Queues {@code event} for delivery; never blocks. */
  public void record(AuditEvent event) {
    if (closed) {
      return;
    }
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
      deliver(event);
      synchronized (progress) {
        processed++;
        progress.notifyAll();
      }
    }
  }

  private void deliver(AuditEvent event) {
    for (AuditSink sink : sinks) {
      try {
        sink.accept(event);
      } catch (Throwable t) {
        if (failedDeliveries.getAndIncrement() == 0) {
          LOG.warn("Audit sink {} failed; further failures are only counted", sink, t);
        }
      }
    }
  }

  /** Delivers what is queued (for at most 10 s), then closes the sinks. */
  @Override
  public void close() {
    flush(10_000);
    closed = true;
    dispatcher.interrupt();
    OPEN.remove(this);
    for (AuditSink sink : sinks) {
      try {
        sink.close();
      } catch (Throwable t) {
        LOG.warn("Could not close audit sink {}", sink, t);
      }
    }
    if (dropped.get() > 0) {
      LOG.warn("{} audit events were dropped because the audit queue was full", dropped.get());
    }
  }
}
