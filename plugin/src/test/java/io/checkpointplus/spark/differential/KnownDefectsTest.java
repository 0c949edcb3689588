package io.checkpointplus.spark.differential;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.differential.Step.Op;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smallest programs the differential generator found the plugin getting wrong, written by
 * hand. Each runs on stock Spark and with the plugin, and must show no difference
 * ({@link DifferentialRunner#compare}): same results, errors and storage levels, at least stock's
 * checkpoints, and under {@code nearest} the same RDD ids and partitions.
 */
class KnownDefectsTest {
  @TempDir
  Path tmp;

  private static final DifferentialRunner.Contexts LOCAL = new DifferentialRunner.Contexts() {
    @Override
    public SparkContext stock(Map<String, String> settings) {
      return LocalSpark.stock(settings);
    }

    @Override
    public SparkContext plugin(Path audit, Map<String, String> settings) {
      return LocalSpark.withPlugin(audit, settings);
    }
  };

  /** Builds a program step by step; RDD-creating steps take the next pool index. */
  private static final class Builder {
    private final List<Step> steps = new ArrayList<>();
    private int pool;

    int ints(int records, int slices) {
      steps.add(new Step(Op.PARALLELIZE, pool, -1, slices, records, 0, false));
      return pool++;
    }

    int map(int in) {
      steps.add(new Step(Op.MAP, pool, in, -1, 3, 1, false));
      return pool++;
    }

    int union(int in, int other) {
      steps.add(new Step(Op.UNION, pool, in, other, 0, 0, false));
      return pool++;
    }

    int sortBy(int in, int partitions) {
      steps.add(new Step(Op.SORT_BY, pool, in, -1, partitions, 0, true));
      return pool++;
    }

    Builder on(Op op, int in) {
      return on(op, in, 0);
    }

    Builder on(Op op, int in, int a) {
      steps.add(new Step(op, -1, in, -1, a, 0, false));
      return this;
    }

    Program program(long seed, DifferentialConfig config) {
      return new Program(seed, config, steps);
    }
  }

  private void assertSameAsStock(Program program) {
    DifferentialTest.assertNoDifferences(
        new DifferentialRunner(LOCAL, true, tmp).run(List.of(program)), 1, "local[2]");
  }

  /**
   * A marked RDD, a marked child of it, and an action over both through a union: stock Spark
   * checkpoints both. Found by the generator as a NullPointerException from PlanRunner.
   */
  @Test
  void markedParentAndMarkedChildUnionedWithTheParent() {
    Builder b = new Builder();
    int p = b.ints(40, 2);
    b.on(Op.CHECKPOINT, p);
    int y = b.map(p);
    b.on(Op.CHECKPOINT, y);
    int u = b.union(y, p);
    b.on(Op.COUNT, u);
    assertSameAsStock(b.program(-1, DifferentialConfig.JAVA_PLAIN));
  }

  /** The simplest checkpoint under Kryo: every checkpoint the plugin writes fails there. */
  @Test
  void checkpointUnderKryo() {
    Builder b = new Builder();
    int r = b.ints(40, 2);
    b.on(Op.CHECKPOINT, r);
    b.on(Op.COUNT, r);
    b.on(Op.COLLECT, r);
    assertSameAsStock(b.program(-2, DifferentialConfig.KRYO_PLAIN));
  }

  /**
   * Stock Spark does not checkpoint after an asynchronous action, so the RDD keeps no storage
   * level and the user may still choose one.
   */
  @Test
  void persistAfterAnAsynchronousActionOnAMarkedRdd() {
    Builder b = new Builder();
    int r = b.ints(40, 2);
    b.on(Op.CHECKPOINT, r);
    b.on(Op.COUNT_ASYNC, r);
    b.on(Op.PERSIST, r, 0); // MEMORY_ONLY
    b.on(Op.COUNT, r);
    assertSameAsStock(b.program(-3, DifferentialConfig.JAVA_PLAIN));
  }

  /** Likewise after an approximate job, which stock Spark never follows with a checkpoint. */
  @Test
  void approximateCountOnAMarkedRddLeavesItsStorageLevelAlone() {
    Builder b = new Builder();
    int r = b.ints(40, 2);
    b.on(Op.CHECKPOINT, r);
    b.on(Op.COUNT_APPROX, r);
    b.on(Op.PERSIST, r, 0);
    b.on(Op.COUNT, r);
    assertSameAsStock(b.program(-4, DifferentialConfig.JAVA_PLAIN));
  }

  /**
   * Under {@code ancestors.policy=nearest} the plugin must not allocate RDD ids stock Spark does
   * not: sortBy's RangePartitioner seeds its sample with the RDD id, so an extra id moves the
   * partition bounds.
   */
  @Test
  void sortByAfterACheckpointUnderNearestKeepsIdsAndPartitions() {
    Builder b = new Builder();
    int r = b.ints(60, 3);
    b.on(Op.CHECKPOINT, r);
    b.on(Op.COUNT, r);
    int m = b.map(r);
    b.on(Op.CHECKPOINT, m);
    int s = b.sortBy(m, 3);
    b.on(Op.GLOM, s);
    int t = b.sortBy(s, 2);
    b.on(Op.GLOM, t);
    assertSameAsStock(b.program(-5, DifferentialConfig.JAVA_NEAREST));
  }
}
