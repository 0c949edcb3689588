package io.checkpointplus.spark.policy;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Stock Spark on the iterative job of {@link AncestorPolicyTest}, run in its own JVM: the
 * StackOverflowError it ends in may strike an executor thread, whose handler can exit the JVM.
 * Prints {@code COMPLETED} only if the job survives.
 */
public final class StockDeepLineage {
  private StockDeepLineage() {
  }

  public static void main(String[] args) {
    int steps = Integer.parseInt(args[0]);
    JavaSparkContext jsc = new JavaSparkContext(new SparkConf().setMaster("local[2]")
        .setAppName("stock-deep-lineage").set("spark.ui.enabled", "false"));
    try {
      List<Integer> data = IntStream.range(0, 1000).boxed().collect(Collectors.toList());
      JavaRDD<Integer> rdd = jsc.parallelize(data, 2);
      for (int i = 1; i <= steps; i++) {
        rdd = rdd.map(x -> x + 1);
        if (i % 50 == 0) {
          rdd.count();
        }
      }
      System.out.println("COMPLETED");
    } catch (Throwable t) {
      System.out.println("FAILED: " + t);
    } finally {
      jsc.stop();
    }
  }
}
