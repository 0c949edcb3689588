package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * Nothing the plugin ships between driver and executors depends on the serializer the
 * application chose: checkpoints succeed under Java serialization and Kryo (also with
 * {@code spark.kryo.registrationRequired}), compressed or not, and read back in stock Spark.
 */
class SerializerMatrixTest extends WithLocalSpark {
  private static final String KRYO = "org.apache.spark.serializer.KryoSerializer";
  private static final String JAVA = "org.apache.spark.serializer.JavaSerializer";

  @ParameterizedTest(name = "serializer={0} registrationRequired={1} compress={2}")
  @CsvSource({
      JAVA + ",false,false", JAVA + ",false,true",
      KRYO + ",false,false", KRYO + ",false,true",
      KRYO + ",true,false", KRYO + ",true,true"})
  void partitionedCheckpointSucceedsAndReadsBackInStockSpark(String serializer,
      boolean registrationRequired, boolean compress) {
    Map<String, String> conf = new HashMap<>();
    conf.put("spark.serializer", serializer);
    conf.put("spark.kryo.registrationRequired", String.valueOf(registrationRequired));
    conf.put("spark.checkpoint.compress", String.valueOf(compress));
    // What this program's own data needs under registrationRequired, in stock Spark too.
    conf.put("spark.kryo.classesToRegister", "[Ljava.lang.Integer;,[Lscala.Tuple2;");
    sc = LocalSpark.withPlugin(audit(), conf);
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaPairRDD<Integer, Integer> sums = new JavaSparkContext(sc)
        .parallelize(IntStream.range(0, 1000).boxed().collect(Collectors.toList()), 4)
        .mapToPair(x -> new Tuple2<>(x % 7, x))
        .reduceByKey(Integer::sum, 3);
    sums.checkpoint();

    assertEquals(7, sums.count());
    assertTrue(sums.isCheckpointed());
    List<Tuple2<Integer, Integer>> written = sums.sortByKey().collect();
    String dir = sums.getCheckpointFile().get();
    LocalSpark.stop(sc);

    sc = LocalSpark.stock(conf);
    RDD<Tuple2<Integer, Integer>> stock = sc.checkpointFile(dir,
        ClassTag$.MODULE$.apply(Tuple2.class));
    List<Tuple2<Integer, Integer>> read = JavaPairRDD.fromRDD(stock,
        ClassTag$.MODULE$.apply(Integer.class), ClassTag$.MODULE$.apply(Integer.class))
        .sortByKey().collect();
    assertEquals(written, read);
  }
}
