package io.checkpointplus.spark.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.Optional;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * {@code checkpoint.metadata}: Spark Streaming writes a batch's metadata checkpoint twice (when
 * the batch is generated, then again when it completes, keeping the first as {@code .bk}); the
 * audit records one event per completed batch, for {@code checkpoint-<batch time>}, and the
 * last batch's event reaches the audit log even when the application stops right after it.
 */
class StreamingMetadataEventsTest extends WithLocalSpark {
  private static final int BATCHES = 4;

  @Test
  void oneEventPerCompletedBatchNamingThatBatchsFile() throws Exception {
    Path root = tmp.resolve("streaming");
    sc = LocalSpark.withPlugin(audit(), Map.of());
    JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(sc),
        Durations.milliseconds(500));
    Set<Long> completedBatches = new ConcurrentSkipListSet<>();
    try {
      ssc.checkpoint(root.toString());
      Queue<JavaRDD<String>> queue = new LinkedList<>();
      for (int i = 0; i < 50; i++) {
        queue.add(ssc.sparkContext().parallelize(List.of("a", "b" + i % 3), 2));
      }
      ssc.queueStream(queue, true)
          .mapToPair(w -> new Tuple2<>(w, 1))
          .updateStateByKey((List<Integer> news, Optional<Integer> old) ->
              Optional.of(old.orElse(0) + news.size()))
          .foreachRDD(rdd -> {
            rdd.count();
          });
      CountDownLatch batches = new CountDownLatch(BATCHES);
      ssc.addStreamingListener(new StreamingListener() {
        @Override
        public void onBatchCompleted(StreamingListenerBatchCompleted completed) {
          completedBatches.add(completed.batchInfo().batchTime().milliseconds());
          batches.countDown();
        }
      });
      ssc.start();
      assertTrue(batches.await(120, TimeUnit.SECONDS), BATCHES + " batches within 120 s");
    } finally {
      ssc.stop(true, false);
      sc = null;
    }

    List<JsonNode> metadata = LocalSpark.events(audit(), "checkpoint.metadata");
    List<Long> recordedBatches = new ArrayList<>();
    for (JsonNode m : metadata) {
      long batchTime = m.get("batchTime").asLong();
      recordedBatches.add(batchTime);
      // The batch's file, or its first copy while Spark replaces it at that moment.
      assertTrue(m.get("file").asText().equals("checkpoint-" + batchTime)
          || m.get("file").asText().equals("checkpoint-" + batchTime + ".bk"), m.toString());
      assertTrue(m.get("bytes").asLong() > 0, m.toString());
    }
    assertEquals(recordedBatches.size(), new TreeSet<>(recordedBatches).size(),
        "one event per batch, never also its .bk copy: " + recordedBatches);
    // Spark keeps the ten newest metadata files, so under a backlog an early batch's file can be
    // gone by the time it completes; the newest batch's never is, and its event must not be lost
    // to the application stopping right after it.
    long newest = ((ConcurrentSkipListSet<Long>) completedBatches).last();
    assertTrue(recordedBatches.contains(newest),
        "the newest completed batch " + newest + " recorded: " + recordedBatches);
  }
}
