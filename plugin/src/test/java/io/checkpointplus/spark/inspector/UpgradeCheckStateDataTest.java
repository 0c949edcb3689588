package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.Optional;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.api.java.JavaDStream;
import org.apache.spark.streaming.api.java.JavaPairDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * {@code upgrade-check} where the failing class is not where the metadata graph names it: a
 * Java {@code updateStateByKey} whose state is an application class ({@code app.Tally}; the
 * Java API's ClassTags are {@code Object}, so only the state RDD's {@code rdd-N} checkpoint
 * holds it), and a function class whose first non-serializable superclass loses its no-arg
 * constructor ({@code app.Offset extends app.Base}). Each verdict is confirmed by a real
 * restart with that build.
 */
class UpgradeCheckStateDataTest {
  private static final String TALLY_V1 = """
      package app;
      public class Tally implements java.io.Serializable {
        public long total;
        public Tally(long total) { this.total = total; }
      }
      """;
  private static final String TALLY_V2 = """
      package app;
      public class Tally implements java.io.Serializable {
        public long total;
        public String note;
        public Tally(long total) { this.total = total; }
      }
      """;
  private static final String UPDATE = """
      package app;
      import java.util.List;
      import org.apache.spark.api.java.Optional;
      public class Update implements org.apache.spark.api.java.function.Function2<
          List<Integer>, Optional<Tally>, Optional<Tally>> {
        private static final long serialVersionUID = 1L;
        public Optional<Tally> call(List<Integer> news, Optional<Tally> old) {
          return Optional.of(new Tally((old.isPresent() ? old.get().total : 0) + news.size()));
        }
      }
      """;
  private static final String BASE_V1 = """
      package app;
      public class Base {
        protected int origin;
        public Base() { }
        public Base(int origin) { this.origin = origin; }
      }
      """;
  private static final String BASE_V2 = """
      package app;
      public class Base {
        protected int origin;
        public Base(int origin) { this.origin = origin; }
      }
      """;
  private static final String OFFSET = """
      package app;
      public class Offset extends Base
          implements org.apache.spark.api.java.function.Function<Integer, Integer> {
        private static final long serialVersionUID = 1L;
        private final int by;
        public Offset(int by) { super(0); this.by = by; }
        public Integer call(Integer x) { return x + by; }
      }
      """;

  @TempDir
  static Path tmp;
  static Path checkpoint;
  static Path build1;

  @BeforeAll
  static void buildAndCheckpoint() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer(); // the state data is read as Java serialization
    build1 = AppBuilds.build(tmp, "build1", Map.of("app.Tally", TALLY_V1, "app.Update", UPDATE,
        "app.Base", BASE_V1, "app.Offset", OFFSET));
    checkpoint = tmp.resolve("checkpoint");
    try (URLClassLoader loader = AppBuilds.loader(build1)) {
      Thread t = Thread.currentThread();
      ClassLoader previous = t.getContextClassLoader();
      t.setContextClassLoader(loader);
      JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(
          new SparkContext(new SparkConf(false).setMaster("local[2]").setAppName("stateful")
              .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"))),
          Durations.milliseconds(200));
      try {
        ssc.checkpoint(checkpoint.toString());
        @SuppressWarnings("unchecked")
        Function<Integer, Integer> offset = (Function<Integer, Integer>) Class.forName(
            "app.Offset", true, loader).getConstructor(int.class).newInstance(1);
        @SuppressWarnings("unchecked")
        Function2<List<Integer>, Optional<Object>, Optional<Object>> update =
            (Function2<List<Integer>, Optional<Object>, Optional<Object>>) Class.forName(
                "app.Update", true, loader).getConstructor().newInstance();
        JavaPairDStream<Integer, Object> state = new JavaDStream<>(new NumberStream(ssc),
            NumberStream.TAG).map(offset).mapToPair(x -> new Tuple2<>(x % 3, 1))
            .updateStateByKey(update);
        state.checkpoint(Durations.milliseconds(200));
        state.foreachRDD(r -> {
          r.count();
        });
        CountDownLatch done = new CountDownLatch(3);
        ssc.addStreamingListener(new StreamingListener() {
          @Override
          public void onBatchCompleted(StreamingListenerBatchCompleted completed) {
            done.countDown();
          }
        });
        ssc.start();
        assertTrue(done.await(120, TimeUnit.SECONDS), "3 batches within 120 s");
      } finally {
        ssc.stop(true, false);
        LocalSpark.stop(ssc.sparkContext().sc());
        t.setContextClassLoader(previous);
      }
    }
  }

  @Test
  void theSameBuildPassesWithItsStateData() {
    InspectorRun run = InspectorRun.of("upgrade-check", checkpoint.toString(), "--jar",
        build1.toString(), "--json");
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.json().get("stateDataFiles").asInt() > 0, run.out());
  }

  /** Defect 3a: the state class is only in the state RDD's checkpoint, not in the metadata. */
  @Test
  void aStateClassChangedWithoutSerialVersionUidIsReportedAndTheRestartFails()
      throws Exception {
    Path build2 = AppBuilds.build(tmp, "build2", Map.of("app.Tally", TALLY_V2, "app.Update",
        UPDATE, "app.Base", BASE_V1, "app.Offset", OFFSET));
    InspectorRun run = InspectorRun.of("upgrade-check", checkpoint.toString(), "--jar",
        build2.toString());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("FAIL      app.Tally: InvalidClassException"), run.out());
    Throwable restart;
    try (URLClassLoader loader = AppBuilds.loader(build2)) {
      restart = StreamingRestart.failure(checkpoint, loader, 1);
    }
    assertNotNull(restart, "the real restart fails too");
    assertTrue(StreamingRestart.mentions(restart, "app.Tally; local class incompatible"),
        String.valueOf(restart));
  }

  /** Defect 3b: Java serialization needs the first non-serializable superclass's no-arg one. */
  @Test
  void aSuperclassWithoutNoArgConstructorIsReportedAndTheRestartFails() throws Exception {
    Path build3 = AppBuilds.build(tmp, "build3", Map.of("app.Tally", TALLY_V1, "app.Update",
        UPDATE, "app.Base", BASE_V2, "app.Offset", OFFSET));
    InspectorRun run = InspectorRun.of("upgrade-check", checkpoint.toString(), "--jar",
        build3.toString());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("FAIL      app.Offset: InvalidClassException")
        && run.out().contains("no valid constructor"), run.out());
    Throwable restart;
    try (URLClassLoader loader = AppBuilds.loader(build3)) {
      restart = StreamingRestart.failure(checkpoint, loader, 1);
    }
    assertNotNull(restart, "the real restart fails too");
    assertTrue(StreamingRestart.mentions(restart, "app.Offset; no valid constructor"),
        String.valueOf(restart));
  }

  /** Kryo writes no class descriptors: its state data cannot be judged, so "cannot tell". */
  @Test
  void stateDataWrittenWithKryoIsCannotTellNeverWouldSucceed() throws Exception {
    Path kryo = tmp.resolve("kryo-checkpoint");
    StreamingCheckpoints.run(kryo, false, 3, Map.of("spark.serializer",
        RecordSample.KRYO));
    InspectorRun run = InspectorRun.of("upgrade-check", kryo.toString(), "--jar",
        build1.toString());
    assertEquals(4, run.exitCode(), run.toString());
    assertTrue(run.out().contains("written with " + RecordSample.KRYO)
        && run.out().contains("cannot tell"), run.out());
  }

  @Test
  void theSameBuildRestarts() throws Exception {
    try (URLClassLoader loader = AppBuilds.loader(build1)) {
      assertNull(StreamingRestart.failure(checkpoint, loader, 1));
    }
  }
}
