package io.checkpointplus.spark.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An application owns checkpoint directories on two stores (it called {@code setCheckpointDir}
 * again, on another file system) and one store stops answering. Its owner markers elsewhere must
 * still be renewed on schedule: another application's retention judges each directory by its
 * own marker's age, and takes one not renewed for the live window (10 minutes plus 5 for clock
 * differences) for dead. A real SparkContext with the plugin, real checkpoints; the heartbeat
 * comes every second instead of every 2.5 minutes
 * ({@link RetentionSweeper#useHeartbeatPeriodForNewSweepers}).
 */
class HeartbeatAcrossStoresTest extends WithLocalSpark {
  @AfterEach
  void restore() {
    HangingFileSystem.release();
    RetentionSweeper.useHeartbeatPeriodForNewSweepers(0);
  }

  private static long checkpoint(JavaSparkContext jsc) {
    JavaRDD<Integer> rdd = jsc.parallelize(List.of(1, 2, 3, 4, 5, 6), 2).map(i -> i * 2);
    rdd.checkpoint();
    return rdd.count();
  }

  /**
   * Review: the owner markers of all the application's directories were renewed one after
   * another on one thread, so a store whose calls hang (an unreachable NameNode retries each
   * call for 15 minutes; an S3 endpoint that stopped answering) held back the heartbeat of the
   * directories on every other store: after the live window, another application's retention
   * could delete the checkpoints this running application reads.
   */
  @Test
  void aHangingStoreDoesNotHoldBackTheHeartbeatOfTheOtherStores() throws Exception {
    RetentionSweeper.useHeartbeatPeriodForNewSweepers(1_000L);
    HangingFileSystem.reset();
    GatedFileSystem.reset();
    GatedFileSystem.release.countDown(); // no listing is held
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.hadoop.fs.hanging.impl", HangingFileSystem.class.getName(),
        "spark.hadoop.fs.hanging.impl.disable.cache", "true",
        "spark.hadoop.fs.gated.impl", GatedFileSystem.class.getName(),
        "spark.hadoop.fs.gated.impl.disable.cache", "true"));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
    sc.setCheckpointDir(HangingFileSystem.SCHEME + "://" + tmp.resolve("first-store"));
    assertEquals(6, checkpoint(jsc));
    sc.setCheckpointDir(GatedFileSystem.path(tmp.resolve("second-store")).toString());
    assertEquals(6, checkpoint(jsc));
    assertTrue(GatedFileSystem.markersWritten.tryAcquire(1, 30, TimeUnit.SECONDS),
        "the second store's directory has its owner marker");

    HangingFileSystem.hang();
    assertTrue(HangingFileSystem.entered.await(30, TimeUnit.SECONDS),
        "a heartbeat waits on the first store");
    GatedFileSystem.markersWritten.drainPermits();
    assertTrue(GatedFileSystem.markersWritten.tryAcquire(3, 30, TimeUnit.SECONDS),
        "the second store's owner marker is renewed every second while the first store hangs");

    // the stalled store is said once: a WARN and a hook.status event
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<JsonNode> stalled;
    do {
      Thread.sleep(200);
      stalled = LocalSpark.events(audit(), "hook.status").stream()
          .filter(e -> e.get("status").asText().equals("degraded")
              && e.get("reason").asText().contains(HangingFileSystem.SCHEME + ":"))
          .toList();
    } while (stalled.isEmpty() && System.nanoTime() < deadline);
    assertEquals(1, stalled.size(), "one event for the stalled store: " + stalled);
    String reason = stalled.get(0).get("reason").asText();
    assertTrue(reason.startsWith("retention heartbeat") && reason.contains("first-store"),
        reason);
  }
}
