package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.Optional;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.api.java.JavaDStream;
import org.apache.spark.streaming.api.java.JavaPairDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.dstream.ConstantInputDStream;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Makes real Spark Streaming checkpoints for the inspector's tests: a stateful application
 * ({@code updateStateByKey} and a windowed count with an inverse function over a checkpointable
 * constant input stream) runs a few batches, checkpointing into a root, and stops.
 */
final class StreamingCheckpoints {
  static final long BATCH_MS = 200;

  private StreamingCheckpoints() {
  }

  /**
   * Runs the application with checkpoints in {@code root} until {@code batches} batches
   * completed.
   *
   * @param withPlugin whether {@code spark.plugins} names the plugin
   * @param settings further Spark settings (saved in the metadata checkpoint)
   */
  static void run(Path root, boolean withPlugin, int batches, Map<String, String> settings)
      throws Exception {
    SparkConf conf = new SparkConf(false).setMaster("local[2]").setAppName("inspected-stream")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
        .set("spark.serializer", "org.apache.spark.serializer.JavaSerializer");
    if (withPlugin) {
      conf.set("spark.plugins", LocalSpark.PLUGIN).set("spark.checkpointplus.audit.path",
          root.resolveSibling(root.getFileName() + "-audit.jsonl").toString());
    }
    settings.forEach(conf::set);
    JavaStreamingContext ssc = new JavaStreamingContext(new JavaSparkContext(new SparkContext(
        conf)), Durations.milliseconds(BATCH_MS));
    try {
      ssc.checkpoint(root.toString());
      ClassTag<String> tag = ClassTag$.MODULE$.apply(String.class);
      List<String> words = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        words.add("w" + i % 7);
      }
      JavaRDD<String> rdd = ssc.sparkContext().parallelize(words, 2);
      JavaDStream<String> input = new JavaDStream<>(
          new ConstantInputDStream<>(ssc.ssc(), rdd.rdd(), tag), tag);
      JavaPairDStream<String, Integer> pairs = input.mapToPair(w -> new Tuple2<>(w, 1));
      JavaPairDStream<String, Integer> counts = pairs.updateStateByKey(
          (List<Integer> news, Optional<Integer> old) -> Optional.of(old.orElse(0)
              + news.size()));
      counts.checkpoint(Durations.milliseconds(BATCH_MS));
      counts.foreachRDD(r -> {
        r.count();
      });
      pairs.reduceByKeyAndWindow(Integer::sum, (a, b) -> a - b,
          Durations.milliseconds(3 * BATCH_MS), Durations.milliseconds(BATCH_MS))
          .foreachRDD(r -> {
            r.count();
          });
      CountDownLatch done = new CountDownLatch(batches);
      ssc.addStreamingListener(new StreamingListener() {
        @Override
        public void onBatchCompleted(StreamingListenerBatchCompleted completed) {
          done.countDown();
        }
      });
      ssc.start();
      assertTrue(done.await(120, TimeUnit.SECONDS), batches + " batches within 120 s");
    } finally {
      // Stops the job generator, which waits for the metadata checkpoint writer to finish.
      ssc.stop(true, false);
      LocalSpark.stop(ssc.sparkContext().sc());
    }
  }
}
