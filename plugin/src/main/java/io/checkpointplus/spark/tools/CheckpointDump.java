package io.checkpointplus.spark.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Reads one RDD checkpoint directory ({@code .../<uuid>/rdd-<id>}) with Spark's own reader and
 * writes its records, one per line in sorted order, to a file. Runs with or without the plugin,
 * so it shows what stock Spark sees in a checkpoint.
 *
 * <pre>spark-submit --class io.checkpointplus.spark.tools.CheckpointDump spark-checkpoint-plus.jar \
 *     hdfs:///checkpoints/uuid/rdd-42 /tmp/rdd-42.txt</pre>
 */
public final class CheckpointDump {
  private CheckpointDump() {
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("Usage: CheckpointDump <rdd checkpoint directory> <output file>");
      System.exit(2);
    }
    SparkConf conf = new SparkConf().setAppName("CheckpointDump").setIfMissing("spark.master",
        "local[2]");
    SparkContext sc = new SparkContext(conf);
    try {
      ClassTag<Object> tag = ClassTag$.MODULE$.Any();
      List<String> lines = new ArrayList<>();
      for (Object record : new JavaRDD<>(sc.checkpointFile(args[0], tag), tag).collect()) {
        lines.add(String.valueOf(record));
      }
      Collections.sort(lines);
      Path out = Path.of(args[1]);
      Files.write(out, lines);
      System.out.println("CheckpointDump: " + lines.size() + " records from " + args[0]);
    } finally {
      sc.stop();
    }
  }
}
