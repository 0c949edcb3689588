package io.checkpointplus.spark.differential;

import java.io.Serializable;

/**
 * One step of a generated program over a pool of RDDs {@code r0, r1, ...}. Steps that create an
 * RDD append it to the pool; {@code in} and {@code other} are pool indices. The integer
 * arguments mean what {@link #toString()} shows.
 */
final class Step implements Serializable {
  enum Op {
    // sources
    PARALLELIZE, PARALLELIZE_PAIRS,
    // transformations
    MAP, FILTER, TO_PAIR, VALUES, MAP_VALUES, FILTER_PAIRS, REDUCE_BY_KEY, JOIN, UNION, COALESCE,
    SORT_BY, ZIP_PARTITIONS, FAILING_MAP,
    // marks
    CHECKPOINT, LOCAL_CHECKPOINT, PERSIST, UNPERSIST,
    // actions
    COUNT, COLLECT, TAKE, GLOM, COUNT_ASYNC, COLLECT_ASYNC, FOREACH_ASYNC, COUNT_APPROX,
    COUNT_IN_GROUP, CANCELLED_COUNT, CANCELLED_COLLECT;

    boolean createsRdd() {
      return ordinal() <= FAILING_MAP.ordinal();
    }

    boolean isAction() {
      return ordinal() >= COUNT.ordinal();
    }
  }

  static final String[] LEVELS = {"MEMORY_ONLY", "MEMORY_AND_DISK", "DISK_ONLY", "MEMORY_ONLY_SER",
      "MEMORY_AND_DISK_SER", "MEMORY_AND_DISK_2"};

  final Op op;
  final int in;
  final int other;
  final int a;
  final int b;
  final boolean flag;
  /** Pool index of the RDD this step creates, or -1. */
  final int out;

  Step(Op op, int out, int in, int other, int a, int b, boolean flag) {
    this.op = op;
    this.out = out;
    this.in = in;
    this.other = other;
    this.a = a;
    this.b = b;
    this.flag = flag;
  }

  @Override
  public String toString() {
    String r = "r" + in;
    String o = "r" + other;
    String lhs = "r" + out + " = ";
    switch (op) {
      case PARALLELIZE:
        return lhs + "parallelize([(i * 37 + " + b + ") % 101 for i < " + a + "], slices "
            + other + ")";
      case PARALLELIZE_PAIRS:
        return lhs + "parallelizePairs([(i % 7, (i * 37 + " + b + ") % 101) for i < " + a
            + "], slices " + other + ")";
      case MAP:
        return lhs + r + ".map(x -> (x * " + a + " + " + b + ") % 1000)";
      case FILTER:
        return lhs + r + ".filter(x -> x % " + a + " != " + b + ")";
      case TO_PAIR:
        return lhs + r + ".mapToPair(x -> (x % " + a + ", x))";
      case VALUES:
        return lhs + r + ".values()";
      case MAP_VALUES:
        return lhs + r + ".mapValues(v -> (v * " + a + " + " + b + ") % 1000)";
      case FILTER_PAIRS:
        return lhs + r + ".filter((k, v) -> v % " + a + " != " + b + ")";
      case REDUCE_BY_KEY:
        return lhs + r + ".reduceByKey(+, " + a + ")";
      case JOIN:
        return lhs + r + ".join(" + o + ".reduceByKey(max, " + a + "), " + a
            + ").mapValues((v, w) -> v * 31 + w)";
      case UNION:
        return lhs + r + ".union(" + o + ")";
      case COALESCE:
        return lhs + r + ".coalesce(" + a + ", shuffle = " + flag + ")";
      case SORT_BY:
        return lhs + r + (b == 1 ? ".sortByKey(" : ".sortBy(x -> x, ") + "ascending = " + flag
            + ", " + a + ")";
      case ZIP_PARTITIONS:
        return lhs + r + ".zipPartitions(" + o + ", (xs, ys) -> xs.map(x -> x + |ys|))";
      case FAILING_MAP:
        return lhs + r + ".map(x -> x == " + a + " ? throw IllegalStateException(\"boom at " + a
            + "\") : x)";
      case CHECKPOINT:
        return r + ".checkpoint()";
      case LOCAL_CHECKPOINT:
        return r + ".localCheckpoint()";
      case PERSIST:
        return r + ".persist(" + LEVELS[a] + ")";
      case UNPERSIST:
        return r + ".unpersist(blocking = true)";
      case COUNT:
        return r + ".count()";
      case COLLECT:
        return r + ".collect()";
      case TAKE:
        return r + ".take(" + a + ")";
      case GLOM:
        return r + ".glom().collect()   // partition contents";
      case COUNT_ASYNC:
        return r + ".countAsync().get()";
      case COLLECT_ASYNC:
        return r + ".collectAsync().get()";
      case FOREACH_ASYNC:
        return r + ".foreachAsync(sum into accumulator).get()";
      case COUNT_APPROX:
        return r + ".countApprox(60 s, 0.95).getFinalValue()";
      case COUNT_IN_GROUP:
        return r + ".count()   // on a thread in job group g" + a + ", not cancelled";
      case CANCELLED_COUNT:
        return r + ".mapPartitions(block until interrupted).count()   // job group g" + a
            + ", cancelled when its job starts";
      case CANCELLED_COLLECT:
        return r + ".mapPartitions(block until interrupted).collect()   // job group g" + a
            + ", cancelled when its job starts";
      default:
        throw new AssertionError(op);
    }
  }
}
