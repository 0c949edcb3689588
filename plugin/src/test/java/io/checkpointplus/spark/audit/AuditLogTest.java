package io.checkpointplus.spark.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A slow or failing sink never slows or fails the code that records an event. */
class AuditLogTest {

  private static AuditEvent event(AuditLog log, int rddId) {
    return log.event(AuditEvent.Type.CHECKPOINT_STARTED).with("rddId", rddId).build();
  }

  @Test
  void aFullQueueDropsAndCountsInsteadOfWaiting() throws Exception {
    CountDownLatch sinkEntered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Object> delivered = new CopyOnWriteArrayList<>();
    AuditLog log = new AuditLog("app", 1).addSink(e -> {
      sinkEntered.countDown();
      assertTrue(release.await(30, TimeUnit.SECONDS));
      delivered.add(e.get("rddId"));
    });
    log.record(event(log, 1));
    assertTrue(sinkEntered.await(30, TimeUnit.SECONDS), "the dispatcher holds event 1");
    log.record(event(log, 2)); // fills the queue of one
    long start = System.nanoTime();
    log.record(event(log, 3)); // dropped, at once
    assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 5);
    assertEquals(1, log.dropped());

    release.countDown();
    assertTrue(log.flush(30_000));
    assertEquals(List.of(1, 2), delivered);
    log.close();
  }

  @Test
  void aFailingSinkIsCountedAndTheOthersStillReceiveEverything() {
    List<Object> delivered = new CopyOnWriteArrayList<>();
    AuditLog log = new AuditLog("app", 100)
        .addSink(e -> {
          throw new IllegalStateException("sink down");
        })
        .addSink(e -> delivered.add(e.get("rddId")));
    for (int i = 0; i < 5; i++) {
      log.record(event(log, i));
    }
    assertTrue(log.flush(30_000));
    assertEquals(List.of(0, 1, 2, 3, 4), delivered);
    assertEquals(5, log.failedDeliveries());
    log.close();
  }

  @Test
  void aFailingImmediateSinkNeverReachesTheRecordingThread() {
    List<Object> delivered = new CopyOnWriteArrayList<>();
    AuditLog log = new AuditLog("app", 100)
        .addImmediateSink(e -> {
          throw new NoSuchMethodError("another Spark build");
        })
        .addSink(e -> delivered.add(e.get("rddId")));
    log.record(event(log, 7)); // does not throw
    assertTrue(log.flush(30_000));
    assertEquals(List.of(7), delivered);
    assertEquals(1, log.failedDeliveries());
    log.close();
  }
}
