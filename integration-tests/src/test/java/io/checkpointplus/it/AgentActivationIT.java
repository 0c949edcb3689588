package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The Java agent in a real {@code SparkSubmit} driver JVM (Spark and the application in
 * different class loaders): it joins the SparkContext from the constructor's own thread, when
 * Spark loads its plugin container, not through the watcher's poll, so the plugin is active
 * before any job whatever the timing.
 */
class AgentActivationIT {
  private static final String APP = "io.checkpointplus.examples.RealtimeFeatures";

  @Test
  void theAgentJoinsTheContextOnTheConstructorsThread() throws Exception {
    Path work = ChildJvm.workDir("agent-activation");
    Path audit = work.resolve("audit.jsonl");
    SparkSubmitRun.of(APP).args("--checkpoint", work.resolve("cp").toString(),
            "--output", work.resolve("out").toString(), "--batches", "4", "--batch-ms", "500",
            "--checkpoint-every", "2")
        .jvmOption("-javaagent:" + ChildJvm.pluginJar())
        .jvmOption("-Dspark.checkpointplus.audit.path=" + audit)
        .run(work, "agent").assertSucceeded();

    String log = Files.readString(work.resolve("agent.log"));
    assertTrue(log.contains("agent added its plugin to a SparkContext under construction (thread"
        + " main)"), "joined from the constructor's thread");
    assertFalse(log.contains("only after it started"));
    assertEquals("installed",
        AuditTrail.read(audit).ofType("hook.status").get(0).get("status").asText());
    assertTrue(AuditTrail.read(audit).ofType("checkpoint.completed").size() >= 1);
  }
}
