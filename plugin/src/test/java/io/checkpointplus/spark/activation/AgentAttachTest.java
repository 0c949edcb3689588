package io.checkpointplus.spark.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import io.checkpointplus.spark.interception.InterceptingDAGScheduler;
import io.checkpointplus.spark.interception.SchedulerSwap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.HashPartitioner;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.Partition;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.DAGScheduler;
import org.apache.spark.serializer.JavaSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;

/**
 * The Java agent and jobs that other threads submit while it attaches: every job completes, on a
 * real {@code local[2]} SparkContext, whatever the interleaving. The agent joins a context only
 * while it is being constructed (no job can exist yet); a running context stays native with one
 * WARN line.
 */
class AgentAttachTest extends WithLocalSpark {
  /** Generous: a job of a few records takes milliseconds; only a lost job takes this long. */
  private static final long JOB_TIMEOUT_S = 60;

  private final ExecutorService submitters = Executors.newCachedThreadPool();
  private final List<String> agentWarnings = new CopyOnWriteArrayList<>();
  private final Logger agentLogger = (Logger) LogManager.getLogger(CheckpointPlusAgent.class);
  private final AbstractAppender capture = new AbstractAppender("agent-warnings", null, null,
      true, Property.EMPTY_ARRAY) {
    @Override
    public void append(LogEvent event) {
      if (event.getLevel() == Level.WARN) {
        agentWarnings.add(event.getMessage().getFormattedMessage());
      }
    }
  };

  @BeforeEach
  void captureAgentWarnings() {
    capture.start();
    agentLogger.addAppender(capture);
  }

  @AfterEach
  void stopSubmitters() {
    agentLogger.removeAppender(capture);
    submitters.shutdownNow();
  }

  /**
   * The worst interleaving, made deterministic: a thread is inside {@code DAGScheduler.submitJob}
   * (it read {@code sc.dagScheduler()} and is computing the partitions of a shuffle's parent)
   * when the agent attaches; its job gets its id and is posted only after the attach returned.
   */
  @Test
  void aJobWhoseSubmissionStraddlesTheAttachCompletes() throws Exception {
    sc = LocalSpark.stock(Map.of());
    GatedPartitionsRDD.entered = new CountDownLatch(1);
    GatedPartitionsRDD.release = new CountDownLatch(1);
    JavaRDD<Integer> gated = JavaRDD.fromRDD(new GatedPartitionsRDD(sc),
        ClassTag$.MODULE$.apply(Integer.class));
    Future<Long> straddling = submitters.submit(() -> gated
        .mapToPair(x -> new Tuple2<>(x % 2, x)).reduceByKey(new HashPartitioner(2), Integer::sum)
        .count());
    assertTrue(GatedPartitionsRDD.entered.await(JOB_TIMEOUT_S, TimeUnit.SECONDS));

    CheckpointPlusAgent.attach(sc);
    GatedPartitionsRDD.release.countDown();

    assertEquals(2L, await(straddling), "the job submitted across the attach");
    assertEquals(4L, await(submitters.submit(() -> smallCount(sc))), "a job after the attach");
    assertEquals(DAGScheduler.class, sc.dagScheduler().getClass(), "a running context is native");
    assertEquals(1, agentWarnings.size(), agentWarnings.toString());
  }

  /** Many repetitions of threads submitting jobs (blocking and asynchronous) during the attach. */
  @Test
  void jobsSubmittedConcurrentlyWithTheAttachAllComplete() throws Exception {
    int threads = 4;
    int jobsPerThread = 5;
    for (int repetition = 0; repetition < 8; repetition++) {
      sc = LocalSpark.stock(Map.of());
      SparkContext context = sc;
      CyclicBarrier start = new CyclicBarrier(threads + 1);
      List<Future<List<Long>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        boolean async = t % 2 == 0;
        results.add(submitters.submit(() -> {
          start.await();
          List<Long> counts = new ArrayList<>();
          for (int j = 0; j < jobsPerThread; j++) {
            counts.add(async ? smallRdd(context).countAsync().get() : smallCount(context));
          }
          return counts;
        }));
      }
      start.await(JOB_TIMEOUT_S, TimeUnit.SECONDS);
      CheckpointPlusAgent.attach(sc);
      for (Future<List<Long>> result : results) {
        assertEquals(List.of(4L, 4L, 4L, 4L, 4L), await(result),
            "repetition " + repetition);
      }
      assertEquals(4L, await(submitters.submit(() -> smallCount(context))),
          "a job after the attach, repetition " + repetition);
      assertEquals(DAGScheduler.class, sc.dagScheduler().getClass());
      assertEquals(repetition + 1, agentWarnings.size(), "one WARN line per context");
      LocalSpark.stop(sc);
      sc = null;
    }
  }

  /**
   * The path the agent takes: it joins the context while Spark constructs it (here from the
   * constructor's serializer, as the agent's class-loading hook does from Spark's plugin
   * container), the plugin activates the ordinary way, and jobs submitted by several threads as
   * soon as the constructor returns all run through it.
   */
  @Test
  void aContextJoinedWhileConstructedRunsThePluginForEveryThreadsJobs() throws Exception {
    int threads = 4;
    for (int repetition = 0; repetition < 3; repetition++) {
      Path audit = tmp.resolve("audit-" + repetition + ".jsonl");
      sc = LocalSpark.stock(Map.of("spark.serializer", JoiningSerializer.class.getName(),
          "spark.checkpointplus.audit.path", audit.toString()));
      SparkContext context = sc;
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<Long>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(submitters.submit(() -> {
          start.await();
          return smallCount(context);
        }));
      }
      for (Future<Long> result : results) {
        assertEquals(4L, await(result), "repetition " + repetition);
      }
      assertEquals(InterceptingDAGScheduler.class, sc.dagScheduler().getClass());
      assertEquals("installed",
          LocalSpark.events(audit, "hook.status").get(0).get("status").asText());
      assertFalse(sc.conf().contains("spark.plugins"),
          "a Streaming checkpoint saves this configuration: it must not name the agent's plugin");

      sc.setCheckpointDir(tmp.resolve("cp-" + repetition).toString());
      JavaRDD<Integer> rdd = smallRdd(sc);
      rdd.checkpoint();
      assertEquals(4L, rdd.count());
      assertEquals(1, LocalSpark.events(audit, "checkpoint.completed").size());

      CheckpointPlusAgent.attach(sc); // the watcher then finds it running: nothing to do
      assertEquals(InterceptingDAGScheduler.class, sc.dagScheduler().getClass());
      assertTrue(agentWarnings.isEmpty(), agentWarnings.toString());
      LocalSpark.stop(sc);
      sc = null;
    }
  }

  /** The watcher's poll added the plugin after Spark had read spark.plugins: it is taken out. */
  @Test
  void anEntryAddedTooLateIsTakenOutAndTheContextStaysNative() throws Exception {
    sc = LocalSpark.stock(Map.of("spark.plugins", OtherPlugin.class.getName()));
    CheckpointPlusAgent.join(sc);
    assertTrue(sc.conf().get("spark.plugins").contains("ContextPlugin"));

    CheckpointPlusAgent.attach(sc);

    assertEquals(OtherPlugin.class.getName(), sc.conf().get("spark.plugins"));
    assertEquals(DAGScheduler.class, sc.dagScheduler().getClass());
    assertEquals(1, agentWarnings.size(), agentWarnings.toString());
    assertTrue(agentWarnings.get(0).contains("read spark.plugins before"), agentWarnings.get(0));
    assertEquals(4L, await(submitters.submit(() -> smallCount(sc))));
  }

  /** Another application's plugin, which does nothing. */
  public static final class OtherPlugin implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
      return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
      return null;
    }
  }

  /** The swap itself refuses a running context, whoever asks. */
  @Test
  void theSchedulerOfARunningContextIsNotSwapped() {
    sc = LocalSpark.stock(Map.of());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> SchedulerSwap.install(sc, null, null, t -> { }));
    assertTrue(e.getMessage().contains("already running"), e.getMessage());
    assertEquals(DAGScheduler.class, sc.dagScheduler().getClass());
    assertEquals(4L, smallCount(sc));
  }

  /**
   * Spark instantiates the serializer inside the SparkContext constructor, after the
   * configuration exists and before plugins are loaded: a stand-in for the agent's hook.
   */
  public static final class JoiningSerializer extends JavaSerializer {
    private static final long serialVersionUID = 1L;

    public JoiningSerializer() {
      super(new SparkConf(false));
    }

    public JoiningSerializer(SparkConf conf) {
      super(conf);
      CheckpointPlusAgent.joinContextUnderConstruction();
    }
  }

  private static JavaRDD<Integer> smallRdd(SparkContext sc) {
    return new JavaSparkContext(sc).parallelize(List.of(1, 2, 3, 4), 2).map(x -> x * 2);
  }

  private static long smallCount(SparkContext sc) {
    return smallRdd(sc).count();
  }

  private static <T> T await(Future<T> job) throws Exception {
    try {
      return job.get(JOB_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      job.cancel(true);
      return fail("a job submitted around the agent's attach did not complete within "
          + JOB_TIMEOUT_S + " s: it was lost");
    }
  }

  /**
   * Two partitions whose computation on the driver waits for the test: {@code getPartitions()}
   * runs inside {@code DAGScheduler.submitJob} when the RDD is a shuffle's parent.
   */
  static final class GatedPartitionsRDD extends RDD<Integer> {
    static volatile CountDownLatch entered;
    static volatile CountDownLatch release;

    @SuppressWarnings({"unchecked", "rawtypes"})
    GatedPartitionsRDD(SparkContext sc) {
      super(sc, (scala.collection.immutable.Seq) scala.collection.immutable.Nil$.MODULE$,
          ClassTag$.MODULE$.apply(Integer.class));
    }

    @Override
    public scala.collection.Iterator<Integer> compute(Partition split, TaskContext context) {
      return JavaConverters.asScalaIterator(List.of(split.index(), split.index() + 2).iterator());
    }

    @Override
    public Partition[] getPartitions() {
      entered.countDown();
      try {
        if (!release.await(JOB_TIMEOUT_S, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never released the partitions");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return new Partition[] {new Index(0), new Index(1)};
    }
  }

  private static final class Index implements Partition {
    private final int index;

    Index(int index) {
      this.index = index;
    }

    @Override
    public int index() {
      return index;
    }
  }
}
