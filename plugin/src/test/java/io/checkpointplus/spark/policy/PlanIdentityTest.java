package io.checkpointplus.spark.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;

/**
 * What ties a job's checkpoint events together, for readers of the audit trail (the Checkpoints
 * tab among them): every {@code checkpoint.ancestor}, {@code checkpoint.started} and
 * {@code checkpoint.completed} event of one job's plan carries the same {@code planId}, another
 * job's plan another one; and each checkpoint write job carries the id of the RDD it writes as
 * the job property {@code spark.checkpointplus.checkpointRddId}.
 */
class PlanIdentityTest extends WithLocalSpark {

  @Test
  void eventsOfOnePlanShareAPlanIdAndWriteJobsNameTheirRdd() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    List<String> writeJobRdds = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Integer> otherJobs = new java.util.concurrent.CopyOnWriteArrayList<>();
    sc.addSparkListener(new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        String rdd = start.properties() == null ? null
            : start.properties().getProperty("spark.checkpointplus.checkpointRddId");
        if (rdd != null) {
          writeJobRdds.add(rdd);
        } else {
          otherJobs.add(start.jobId());
        }
      }
    });
    JavaSparkContext jsc = new JavaSparkContext(sc);
    List<Integer> numbers = IntStream.range(0, 100).boxed().collect(Collectors.toList());
    JavaRDD<Integer> a = jsc.parallelize(numbers, 2).map(x -> x + 1);
    JavaRDD<Integer> b = a.map(x -> x * 2);
    a.checkpoint();
    b.checkpoint();
    b.count(); // one plan: a (an ancestor) then b
    JavaRDD<Integer> c = jsc.parallelize(numbers, 2).map(x -> x - 1);
    c.checkpoint();
    c.count(); // another plan
    sc.listenerBus().waitUntilEmpty();

    long firstPlan = planIdOf("checkpoint.ancestor", a.id());
    assertEquals(firstPlan, planIdOf("checkpoint.started", a.id()));
    assertEquals(firstPlan, planIdOf("checkpoint.completed", a.id()));
    assertEquals(firstPlan, planIdOf("checkpoint.started", b.id()));
    assertEquals(firstPlan, planIdOf("checkpoint.completed", b.id()));
    long secondPlan = planIdOf("checkpoint.completed", c.id());
    assertNotEquals(firstPlan, secondPlan);
    assertEquals(secondPlan, planIdOf("checkpoint.started", c.id()));
    assertEquals(List.of(String.valueOf(a.id()), String.valueOf(b.id()), String.valueOf(c.id())),
        writeJobRdds, "each write job names the RDD it writes, once");
    assertEquals(2, otherJobs.size(), "the two actions' jobs carry no checkpointRddId");
    jsc.parallelize(numbers, 2).count();
    sc.listenerBus().waitUntilEmpty();
    assertEquals(3, otherJobs.size(), "nor does a later job: " + writeJobRdds);
    assertEquals(null, sc.getLocalProperty("spark.checkpointplus.planId"),
        "the planId property is not left on the thread");
    assertEquals(null, sc.getLocalProperty("spark.checkpointplus.checkpointRddId"));
  }

  private long planIdOf(String type, int rddId) {
    List<JsonNode> events = LocalSpark.events(audit(), type).stream()
        .filter(e -> e.get("rddId").asInt() == rddId).collect(Collectors.toList());
    assertEquals(1, events.size(), type + " of RDD " + rddId + ": " + events);
    assertTrue(events.get(0).hasNonNull("planId"), events.get(0).toString());
    return events.get(0).get("planId").asLong();
  }
}
