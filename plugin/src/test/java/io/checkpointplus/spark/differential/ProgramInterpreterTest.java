package io.checkpointplus.spark.differential;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.differential.Step.Op;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The interpreter itself: what makes stock Spark a deterministic oracle. */
class ProgramInterpreterTest {
  @TempDir
  Path tmp;

  /**
   * A cancelled job fails its action at once, while its killed tasks are still ending: a task
   * killed while it stored a persisted block then races the next job's tasks for that block, and
   * stock Spark answered the next action with "Block rdd_0_1 does not exist" in one run of two.
   * The next step therefore starts only once the cancelled job's tasks have all ended.
   */
  @Test
  void theStepAfterACancelledActionStartsWithNoTaskStillRunning() throws Exception {
    SparkContext sc = LocalSpark.stock(Map.of());
    try {
      AtomicInteger running = new AtomicInteger();
      List<Integer> runningAtJobStart = new CopyOnWriteArrayList<>();
      sc.addSparkListener(new SparkListener() {
        @Override
        public void onTaskStart(SparkListenerTaskStart taskStart) {
          running.incrementAndGet();
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
          running.decrementAndGet();
        }

        @Override
        public void onJobStart(SparkListenerJobStart jobStart) {
          runningAtJobStart.add(running.get());
        }
      });
      ProgramInterpreter interpreter = new ProgramInterpreter(sc, true);
      Program program = new Program(1, DifferentialConfig.JAVA_PLAIN, List.of(
          new Step(Op.PARALLELIZE, 0, -1, 6, 600, 0, false),
          new Step(Op.PERSIST, -1, 0, -1, 2, 0, false),
          new Step(Op.CANCELLED_COUNT, -1, 0, -1, 0, 0, false),
          new Step(Op.COUNT, -1, 0, -1, 0, 0, false)));
      interpreter.run(program, tmp.resolve("cp"));
      sc.listenerBus().waitUntilEmpty();
      assertEquals(List.of(0, 0), runningAtJobStart.subList(0, 2),
          "tasks running when the cancelled job, then the next one, started");
    } finally {
      sc.stop();
    }
  }
}
