package io.checkpointplus.spark.interception;

import io.checkpointplus.spark.policy.CheckpointPlan;
import java.util.List;
import java.util.Properties;
import org.apache.spark.rdd.RDD;

/**
 * What the interceptor did for one job: the checkpoints to write after it, and the RDDs it
 * persisted for them, which {@link JobSubmissionInterceptor#afterJob} gives back on every outcome,
 * with the job properties that named them to the job's tasks and the value it replaced there.
 */
public record PreparedJob(CheckpointPlan plan, List<RDD<?>> held, Properties properties,
    String previousReused) {
  public static final PreparedJob NOTHING =
      new PreparedJob(CheckpointPlan.EMPTY, List.of(), null, null);
}
