package io.checkpointplus.spark.interception;

import io.checkpointplus.spark.checkpoint.CheckpointWriter;
import io.checkpointplus.spark.checkpoint.PluginCheckpointData;
import io.checkpointplus.spark.checkpoint.ReuseLedger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.Dependency;
import org.apache.spark.rdd.CheckpointState$;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.RDDCheckpointData;
import org.apache.spark.rdd.RDDCheckpointData$;
import org.apache.spark.rdd.ReliableRDDCheckpointData;
import scala.Option;
import scala.collection.Iterator;

/**
 * What happens at each job submission, before tasks are serialized: one walk of the final RDD's
 * lineage that
 * <ul>
 *   <li>replaces Spark's {@link ReliableRDDCheckpointData} on every marked RDD with the plugin's
 *       {@link PluginCheckpointData}, and</li>
 *   <li>persists the marked RDDs this job's checkpoint will write, so the write reads the
 *       partitions the job computes ({@link ReuseLedger}).</li>
 * </ul>
 * The walk is iterative and visits each RDD once (a second time at most, when it is first reached
 * behind a marked RDD and later directly); it stops at checkpointed RDDs, whose lineage is
 * already cut. DAGScheduler walks the same lineage for every job anyway, to compute partitions.
 */
public final class JobSubmissionInterceptor {
  /** The local property with which Spark Streaming asks for every marked ancestor. */
  static final String ALL_MARKED_ANCESTORS = "spark.checkpoint.checkpointAllMarkedAncestors";

  private final CheckpointWriter writer;
  private final ReuseLedger reuse;

  public JobSubmissionInterceptor(CheckpointWriter writer, ReuseLedger reuse) {
    this.writer = writer;
    this.reuse = reuse;
  }

  /** Runs the walk for the job about to be submitted on {@code finalRdd}. */
  public void beforeJob(RDD<?> finalRdd, Properties properties) {
    boolean allMarked = properties != null
        && Boolean.parseBoolean(properties.getProperty(ALL_MARKED_ANCESTORS));
    // id -> whether the RDD was reached only behind a marked RDD so far
    Map<Integer, Boolean> behindMarked = new HashMap<>();
    Deque<RDD<?>> stack = new ArrayDeque<>();
    Deque<Boolean> stackBehind = new ArrayDeque<>();
    stack.push(finalRdd);
    stackBehind.push(false);
    while (!stack.isEmpty()) {
      RDD<?> rdd = stack.pop();
      boolean behind = stackBehind.pop();
      Boolean seen = behindMarked.get(rdd.id());
      if (seen != null && (seen == behind || !seen)) {
        continue;
      }
      behindMarked.put(rdd.id(), behind);

      Option<? extends RDDCheckpointData<?>> data = rdd.checkpointData();
      boolean marked = data.isDefined();
      if (marked) {
        if (data.get().isCheckpointed()) {
          continue;
        }
        adopt(rdd);
        if (!behind || allMarked) {
          reuse.persistForReuse(rdd);
        }
      }
      boolean parentsBehind = behind || marked;
      Iterator<Dependency<?>> deps = rdd.dependencies().iterator();
      while (deps.hasNext()) {
        stack.push(deps.next().rdd());
        stackBehind.push(parentsBehind);
      }
    }
  }

  /** Puts the plugin's checkpoint data in place of Spark's, if Spark's is still untouched. */
  private <T> void adopt(RDD<T> rdd) {
    Option<RDDCheckpointData<T>> data = rdd.checkpointData();
    if (data.isEmpty() || data.get().getClass() != ReliableRDDCheckpointData.class) {
      return;
    }
    // Spark flips checkpoint states under this lock (RDDCheckpointData.checkpoint()).
    synchronized (RDDCheckpointData$.MODULE$) {
      if (rdd.checkpointData() == data
          && data.get().cpState() == CheckpointState$.MODULE$.Initialized()) {
        rdd.checkpointData_$eq(Option.apply(new PluginCheckpointData<>(rdd, writer)));
      }
    }
  }
}
