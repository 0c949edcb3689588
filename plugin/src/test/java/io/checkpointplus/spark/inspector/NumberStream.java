package io.checkpointplus.spark.inspector;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.streaming.Time;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.dstream.InputDStream;
import scala.Option;
import scala.Some;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * An input DStream that can be restored from a checkpoint (unlike {@code queueStream} and
 * {@code ConstantInputDStream}, whose RDDs come back without a SparkContext): each batch's
 * numbers are made at compute time, as the {@code RealtimeFeatures} example's input does.
 */
final class NumberStream extends InputDStream<Integer> {
  private static final long serialVersionUID = 1L;
  static final ClassTag<Integer> TAG = ClassTag$.MODULE$.apply(Integer.class);

  NumberStream(JavaStreamingContext ssc) {
    super(ssc.ssc(), TAG);
  }

  @Override
  public void start() {
  }

  @Override
  public void stop() {
  }

  @Override
  public Option<RDD<Integer>> compute(Time validTime) {
    List<Integer> numbers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      numbers.add(i);
    }
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(context().sparkContext());
    return new Some<>(sc.parallelize(numbers, 2).rdd());
  }
}
