package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * Several application threads checkpointing on one SparkContext, some of them sharing marked
 * ancestors: every checkpoint is written exactly once, nothing deadlocks.
 */
class ConcurrentCheckpointTest extends WithLocalSpark {
  private static final int THREADS = 4;
  private static final int ROUNDS = 5;


  @Test
  void threadsCheckpointingConcurrentlyWriteEachCheckpointOnce() {
    Path audit = tmp.resolve("audit.jsonl");
    sc = LocalSpark.withPlugin(audit, Map.of());
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaSparkContext jsc = new JavaSparkContext(sc);
    // One marked RDD every thread builds on: all of them race to checkpoint it.
    JavaRDD<Integer> shared = jsc.parallelize(
        IntStream.range(0, 1000).boxed().collect(Collectors.toList()), 4).map(x -> x + 1);
    shared.checkpoint();

    List<JavaRDD<Integer>> marked = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<List<JavaRDD<Integer>>>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          int thread = t;
          futures.add(pool.submit(() -> {
            List<JavaRDD<Integer>> mine = new ArrayList<>();
            for (int r = 0; r < ROUNDS; r++) {
              int salt = thread * 100 + r;
              JavaRDD<Integer> rdd = shared.map(x -> x * 2 + salt);
              rdd.checkpoint();
              assertEquals(1000, rdd.count());
              mine.add(rdd);
            }
            return mine;
          }));
        }
        List<JavaRDD<Integer>> all = new ArrayList<>();
        for (Future<List<JavaRDD<Integer>>> f : futures) {
          all.addAll(f.get());
        }
        return all;
      } finally {
        pool.shutdownNow();
      }
    });

    assertTrue(shared.isCheckpointed());
    marked.forEach(r -> assertTrue(r.isCheckpointed(), "rdd " + r.id()));
    List<Integer> written = LocalSpark.events(audit, "checkpoint.completed").stream()
        .map(e -> e.get("rddId").asInt()).collect(Collectors.toList());
    assertEquals(THREADS * ROUNDS + 1, written.size(), "one checkpoint per marked RDD");
    assertEquals(THREADS * ROUNDS + 1, Set.copyOf(written).size(), "none written twice");
    assertTrue(LocalSpark.events(audit, "checkpoint.failed").isEmpty());
  }
}
