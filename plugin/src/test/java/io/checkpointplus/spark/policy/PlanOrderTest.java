package io.checkpointplus.spark.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import scala.Tuple2;

/**
 * A marked RDD reached by more than one path (diamonds) is planned after every planned RDD it
 * depends on, whatever the shape and the parallelism: the action returns what Spark returns and
 * both checkpoints are written, now and for every later action.
 */
class PlanOrderTest extends WithLocalSpark {

  /** Combines {@code y = p.map(...)} with {@code p} itself, as users write it. */
  enum Shape {
    UNION((p, y) -> y.union(p).count()),
    JOIN((p, y) -> y.mapToPair(x -> new Tuple2<>(x % 10, x))
        .join(p.mapToPair(x -> new Tuple2<>(x % 10, x))).count()),
    ZIP((p, y) -> y.zip(p).count()),
    CARTESIAN((p, y) -> y.cartesian(p).count()),
    SORT_BY((p, y) -> y.union(p).sortBy(x -> -x, true, 3).count());

    final BiFunction<JavaRDD<Integer>, JavaRDD<Integer>, Long> action;

    Shape(BiFunction<JavaRDD<Integer>, JavaRDD<Integer>, Long> action) {
      this.action = action;
    }
  }

  static List<Arguments> shapes() {
    return List.of(Shape.values()).stream()
        .flatMap(s -> List.of(Arguments.of(s, "1", "marked"), Arguments.of(s, "4", "marked"),
            Arguments.of(s, "4", "nearest")).stream())
        .collect(Collectors.toList());
  }

  @ParameterizedTest(name = "{0} parallelism={1} policy={2}")
  @MethodSource("shapes")
  void diamondsCheckpointParentsFirstAndReturnSparksResult(Shape shape, String parallelism,
      String policy) {
    long expected = expected(shape);
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.checkpointplus.ancestors.parallelism", parallelism,
        "spark.checkpointplus.ancestors.policy", policy));
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaRDD<Integer> p = jsc.parallelize(numbers(), 4).map(x -> x + 1);
    p.checkpoint();
    JavaRDD<Integer> y = p.map(x -> x * 2);
    y.checkpoint();

    assertEquals(expected, shape.action.apply(p, y));
    assertTrue(p.isCheckpointed(), "p is reached directly: Spark checkpoints it too");
    assertTrue(y.isCheckpointed());
    assertEquals(expected, shape.action.apply(p, y), "later actions on the lineage work");
  }

  /** Stock Spark's result per shape, computed once. */
  private static final Map<Shape, Long> STOCK = new java.util.EnumMap<>(Shape.class);

  private long expected(Shape shape) {
    Long known = STOCK.get(shape);
    if (known != null) {
      return known;
    }
    sc = LocalSpark.stock(Map.of());
    sc.setCheckpointDir(tmp.resolve("stock").toString());
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaRDD<Integer> p = jsc.parallelize(numbers(), 4).map(x -> x + 1);
    p.checkpoint();
    JavaRDD<Integer> y = p.map(x -> x * 2);
    y.checkpoint();
    long result = shape.action.apply(p, y);
    LocalSpark.stop(sc);
    sc = null;
    STOCK.put(shape, result);
    return result;
  }

  private static List<Integer> numbers() {
    return IntStream.range(0, 200).boxed().collect(Collectors.toList());
  }
}
