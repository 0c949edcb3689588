package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import java.io.InvalidClassException;
import java.io.ObjectStreamClass;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.api.java.JavaDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upgrade-check} with three builds of one streaming application compiled in the test:
 * the checkpoint is written by build 1; build 2 adds a field to {@code app.Scale}, which
 * declares no {@code serialVersionUID} (incompatible: must be reported); build 3 adds a field
 * to {@code app.Shift} only, which declares one (compatible: must pass). Each verdict is
 * confirmed by restarting the application from the checkpoint with that build, as
 * {@code StreamingContext.getOrCreate} does on a real restart.
 */
class UpgradeCheckTest {
  private static final String SCALE_V1 = """
      package app;
      public class Scale implements org.apache.spark.api.java.function.Function<Integer, Integer> {
        private final int factor;
        public Scale(int factor) { this.factor = factor; }
        public Integer call(Integer x) { return x * factor; }
      }
      """;
  private static final String SCALE_V2 = """
      package app;
      public class Scale implements org.apache.spark.api.java.function.Function<Integer, Integer> {
        private final int factor;
        private String label = "scaled";
        public Scale(int factor) { this.factor = factor; }
        public Integer call(Integer x) { return x * factor; }
      }
      """;
  private static final String SHIFT_V1 = """
      package app;
      public class Shift implements org.apache.spark.api.java.function.Function<Integer, Integer> {
        private static final long serialVersionUID = 1L;
        static { System.setProperty("upgradecheck.clinit." + Shift.class.getClassLoader()
            .getName(), "ran"); }
        private final int by;
        public Shift(int by) { this.by = by; }
        public Integer call(Integer x) { return x + by; }
      }
      """;
  private static final String SHIFT_V3 = """
      package app;
      public class Shift implements org.apache.spark.api.java.function.Function<Integer, Integer> {
        private static final long serialVersionUID = 1L;
        static { System.setProperty("upgradecheck.clinit." + Shift.class.getClassLoader()
            .getName(), "ran"); }
        private final int by;
        private String note;
        public Shift(int by) { this.by = by; }
        public Integer call(Integer x) { return x + by; }
      }
      """;

  @TempDir
  static Path tmp;
  static Path checkpoint;
  static Path build1;
  static Path build2;
  static Path build3;

  @BeforeAll
  static void buildAndCheckpoint() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer(); // metadata is always Java-serialized
    build1 = AppBuilds.build(tmp, "build1", Map.of("app.Scale", SCALE_V1, "app.Shift",
        SHIFT_V1));
    build2 = AppBuilds.build(tmp, "build2", Map.of("app.Scale", SCALE_V2, "app.Shift",
        SHIFT_V1));
    build3 = AppBuilds.build(tmp, "build3", Map.of("app.Scale", SCALE_V1, "app.Shift",
        SHIFT_V3));
    checkpoint = tmp.resolve("checkpoint");
    try (URLClassLoader loader = AppBuilds.loader(build1)) {
      withContextLoader(loader, () -> {
        JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(
            new SparkContext(conf())), Durations.milliseconds(200));
        try {
          ssc.checkpoint(checkpoint.toString());
          Function<Integer, Integer> scale = newFunction(loader, "app.Scale", 3);
          Function<Integer, Integer> shift = newFunction(loader, "app.Shift", 1);
          defineGraph(ssc).map(scale).map(shift).foreachRDD(r -> {
            r.count();
          });
          runBatches(ssc, 2);
        } finally {
          ssc.stop(true, false);
          LocalSpark.stop(ssc.sparkContext().sc());
        }
        return null;
      });
    }
  }

  private static SparkConf conf() {
    return new SparkConf(false).setMaster("local[2]").setAppName("upgrade-checked")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1");
  }

  private static JavaDStream<Integer> defineGraph(JavaStreamingContext ssc) {
    return new JavaDStream<>(new NumberStream(ssc), NumberStream.TAG);
  }

  @SuppressWarnings("unchecked")
  private static Function<Integer, Integer> newFunction(ClassLoader loader, String name,
      int arg) throws Exception {
    return (Function<Integer, Integer>) Class.forName(name, true, loader)
        .getConstructor(int.class).newInstance(arg);
  }

  private static void runBatches(JavaStreamingContext ssc, int batches) throws Exception {
    CountDownLatch done = new CountDownLatch(batches);
    ssc.addStreamingListener(new StreamingListener() {
      @Override
      public void onBatchCompleted(StreamingListenerBatchCompleted completed) {
        done.countDown();
      }
    });
    ssc.start();
    assertTrue(done.await(120, TimeUnit.SECONDS), batches + " batches within 120 s");
  }

  private interface Body<T> {
    T run() throws Exception;
  }

  private static <T> T withContextLoader(ClassLoader loader, Body<T> body) throws Exception {
    Thread t = Thread.currentThread();
    ClassLoader previous = t.getContextClassLoader();
    t.setContextClassLoader(loader);
    try {
      return body.run();
    } finally {
      t.setContextClassLoader(previous);
    }
  }

  /**
   * Restarts the application from the checkpoint with {@code build}, as
   * {@code StreamingContext.getOrCreate} does, and runs two batches.
   */
  private static void restartWith(Path build) throws Exception {
    try (URLClassLoader loader = AppBuilds.loader(build)) {
      withContextLoader(loader, () -> {
        JavaStreamingContext ssc = new JavaStreamingContext(checkpoint.toString());
        try {
          runBatches(ssc, 2);
        } finally {
          ssc.stop(true, false);
          LocalSpark.stop(ssc.sparkContext().sc());
        }
        return null;
      });
    }
  }

  @Test
  void theSameBuildIsCompatibleWithEveryClassOfTheCheckpoint() {
    InspectorRun run = InspectorRun.of("upgrade-check", checkpoint.toString(), "--jar",
        build1.toString(), "--json");
    assertEquals(0, run.exitCode(), run.toString());
    JsonNode j = run.json();
    assertTrue(j.get("classes").asInt() > 20, "Spark, Scala, JDK and application classes");
    // Shift's (its declared serialVersionUID is read); none of Spark's, Scala's or the JDK's
    assertEquals("[\"app.Shift\"]", j.get("staticInitializers").toString(), run.out());
    for (JsonNode v : j.get("verdicts")) {
      // every default serialVersionUID computed here equals the one the JDK wrote
      assertEquals("ok", v.get("status").asText(), v.toString());
    }
  }

  @Test
  void aChangedClassWithoutSerialVersionUidIsReportedAndTheRestartFails() throws Exception {
    InspectorRun run = InspectorRun.of("upgrade-check", checkpoint.toString(), "--jar",
        build2.toString(), "--json");
    assertEquals(1, run.exitCode(), run.toString());
    List<String> failing = new ArrayList<>();
    for (JsonNode v : run.json().get("verdicts")) {
      if (!v.get("status").asText().equals("ok")) {
        failing.add(v.get("class").asText());
        assertEquals("InvalidClassException", v.get("exception").asText());
        assertTrue(v.get("reason").asText().startsWith(
            "local class incompatible: stream classdesc serialVersionUID = "), v.toString());
      }
    }
    assertEquals(List.of("app.Scale"), failing);
    assertNull(System.getProperty("upgradecheck.clinit.upgrade-check"),
        "no static initializer of the application ran");

    Exception restart = assertThrows(Exception.class, () -> restartWith(build2));
    Throwable cause = restart;
    while (cause != null && !(cause instanceof InvalidClassException)) {
      cause = cause.getCause();
    }
    assertTrue(cause != null && cause.getMessage().startsWith("app.Scale; local class"
        + " incompatible"), "the real restart fails the same way: " + restart);
  }

  @Test
  void aChangedClassWithAFixedSerialVersionUidPassesAndTheRestartWorks() throws Exception {
    InspectorRun run = InspectorRun.of("upgrade-check", checkpoint.toString(), "--jar",
        build3.toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("Restart would succeed"), run.out());
    assertTrue(run.out().contains("\n  NOTE      the restart runs the static initializer of"
        + " app.Shift\n"), run.out());
    assertNull(System.getProperty("upgradecheck.clinit.upgrade-check"),
        "no static initializer of the application ran");
    System.clearProperty("upgradecheck.clinit.null"); // set by build 1's, in AppBuilds.loader
    restartWith(build3);
    assertEquals("ran", System.getProperty("upgradecheck.clinit.null"),
        "the restart ran the static initializer noted");
  }

  @Test
  void aMissingClassIsAClassNotFoundException() {
    Path empty = tmp.resolve("build1-src"); // not a jar of the application's classes
    InspectorRun run = InspectorRun.of("upgrade-check", checkpoint.toString(), "--jar",
        empty.toString(), "--json");
    assertEquals(1, run.exitCode(), run.toString());
    List<String> missing = new ArrayList<>();
    run.json().get("verdicts").forEach(v -> {
      if (v.get("status").asText().equals("missing")) {
        missing.add(v.get("class").asText() + " " + v.get("exception").asText());
      }
    });
    missing.sort(null);
    assertEquals(List.of("app.Scale ClassNotFoundException", "app.Shift ClassNotFoundException"),
        missing);
  }

  @Test
  void aPrimitiveFieldWhoseTypeChangedIsReportedEvenWithAFixedSerialVersionUid()
      throws Exception {
    Path build4 = AppBuilds.build(tmp, "build4", Map.of("app.Scale", SCALE_V1, "app.Shift",
        SHIFT_V1.replace("private final int by;", "private final long by;")
            .replace("this.by = by;", "this.by = by;").replace("return x + by;",
                "return (int) (x + by);")));
    InspectorRun run = InspectorRun.of("upgrade-check", checkpoint.toString(), "--jar",
        build4.toString());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.out().contains("FAIL      app.Shift: InvalidClassException")
        && run.out().contains("incompatible types for field by: int in the checkpoint, long"
            + " now"), run.out());
    Exception restart = assertThrows(Exception.class, () -> restartWith(build4));
    Throwable cause = restart;
    while (cause != null && !(cause instanceof InvalidClassException)) {
      cause = cause.getCause();
    }
    assertTrue(cause != null && cause.getMessage().equals(
        "app.Shift; incompatible types for field by"), "the real restart fails the same way: "
        + restart);
  }

  @Test
  void dependencyJarsGivenWithJarsAreSearchedToo() throws Exception {
    Path scaleOnly = AppBuilds.build(tmp, "scale-only", Map.of("app.Scale", SCALE_V1));
    Path shiftOnly = AppBuilds.build(tmp, "shift-only", Map.of("app.Shift", SHIFT_V1));
    InspectorRun without = InspectorRun.of("upgrade-check", checkpoint.toString(), "--jar",
        scaleOnly.toString());
    assertEquals(1, without.exitCode(), without.toString());
    assertTrue(without.out().contains("FAIL      app.Shift: ClassNotFoundException"),
        without.out());
    InspectorRun with = InspectorRun.of("upgrade-check", checkpoint.toString(), "--jar",
        scaleOnly.toString(), "--jars", shiftOnly.toString());
    assertEquals(0, with.exitCode(), with.toString());
  }

  @Test
  void theDefaultSerialVersionUidIsTheJdksForCompiledClasses() throws Exception {
    try (URLClassLoader l1 = AppBuilds.loader(build1); URLClassLoader l2 =
        AppBuilds.loader(build2)) {
      for (ClassLoader l : List.of(l1, l2)) {
        Class<?> scale = Class.forName("app.Scale", false, l);
        SerialVersion.Value v = SerialVersion.of(scale, l);
        assertEquals(ObjectStreamClass.lookup(scale).getSerialVersionUID(), v.suid());
      }
      Class<?> shift = Class.forName("app.Shift", false, l1);
      assertEquals(new SerialVersion.Value(1L, true, null), SerialVersion.of(shift, l1));
    }
  }
}
