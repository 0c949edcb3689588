package io.checkpointplus.spark.interception;

import io.checkpointplus.spark.policy.PlanRunner;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.JobWaiter;
import org.apache.spark.util.CallSite;
import scala.Function2;
import scala.collection.Iterator;
import scala.collection.Seq;
import scala.runtime.BoxedUnit;

/**
 * The Scala 2.12 overrides of {@link JobInterceptingScheduler}: on Scala 2.12, DAGScheduler's
 * {@code Seq} parameters are {@code scala.collection.Seq}. Only forwarding here.
 */
public final class InterceptingDAGScheduler extends JobInterceptingScheduler {
  InterceptingDAGScheduler(SparkContext sc, JobSubmissionInterceptor interceptor,
      PlanRunner planRunner, Consumer<Throwable> onFirstFailure) {
    super(sc, interceptor, planRunner, onFirstFailure);
  }

  @Override
  public <T, U> void runJob(RDD<T> rdd, Function2<TaskContext, Iterator<T>, U> func,
      Seq<Object> partitions, CallSite callSite, Function2<Object, U, BoxedUnit> resultHandler,
      Properties properties) {
    interceptRunJob(rdd, properties,
        () -> super.runJob(rdd, func, partitions, callSite, resultHandler, properties));
  }

  @Override
  public <T, U> JobWaiter<U> submitJob(RDD<T> rdd, Function2<TaskContext, Iterator<T>, U> func,
      Seq<Object> partitions, CallSite callSite, Function2<Object, U, BoxedUnit> resultHandler,
      Properties properties) {
    return interceptSubmit(rdd, properties,
        () -> super.submitJob(rdd, func, partitions, callSite, resultHandler, properties));
  }
}
