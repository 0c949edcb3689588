package io.checkpointplus.spark.policy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.rdd.RDD;

/**
 * Checkpoints a job's {@link CheckpointPlan} once the job has run: every RDD after its planned
 * parents, independent RDDs concurrently, at most {@code parallelism} checkpoint jobs at once.
 * Each write runs with the submitting thread's Spark local properties (job group, scheduler pool,
 * streaming batch). The first failure is rethrown to the action, as Spark's own checkpoint does.
 */
public final class PlanRunner {
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final int parallelism;

  public PlanRunner(int parallelism) {
    this.parallelism = parallelism;
  }

  public void run(SparkContext sc, CheckpointPlan plan) {
    List<RDD<?>> order = plan.order();
    if (order.isEmpty()) {
      return;
    }
    if (parallelism == 1 || order.size() == 1) {
      order.forEach(PlanRunner::checkpoint);
      return;
    }
    Properties properties = new Properties();
    properties.putAll(sc.getLocalProperties());
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, order.size()), r -> {
      Thread t = new Thread(r, "checkpoint-plus-writer-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      Map<Integer, CompletableFuture<Void>> written = new HashMap<>();
      for (RDD<?> rdd : order) {
        CompletableFuture<?>[] parents = plan.parents().getOrDefault(rdd.id(), java.util.Set.of())
            .stream().map(written::get).toArray(CompletableFuture[]::new);
        written.put(rdd.id(), CompletableFuture.allOf(parents).thenRunAsync(() -> {
          Properties own = new Properties();
          own.putAll(properties);
          sc.setLocalProperties(own);
          checkpoint(rdd);
        }, pool));
      }
      CompletableFuture.allOf(written.values().toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw e;
    } finally {
      pool.shutdown();
    }
  }

  /** Spark's own entry point: flips the state, writes, truncates lineage; no-op if done. */
  private static void checkpoint(RDD<?> rdd) {
    rdd.checkpointData().get().checkpoint();
  }
}
