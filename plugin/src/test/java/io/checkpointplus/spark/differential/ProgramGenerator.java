package io.checkpointplus.spark.differential;

import io.checkpointplus.spark.differential.Step.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns a seed into a program: the same seed always gives the same configuration and steps.
 *
 * <p>Under an ancestor policy other than {@code nearest} the plugin may checkpoint more than
 * stock Spark and so allocate more RDD ids; a {@code sortBy}'s RangePartitioner samples with the
 * RDD id as seed, so its partition bounds may then differ legitimately. In those
 * configurations the generator applies nothing to a sorted RDD (or one derived from it) whose
 * result depends on how its records are split into partitions (shuffles, coalesce,
 * zipPartitions); the interpreter compares partition contents of such RDDs as a whole.
 */
final class ProgramGenerator {
  private static final int MAX_POOL = 9;

  private final SplittableRandom random;
  private final DifferentialConfig config;
  private final List<Entry> pool = new ArrayList<>();
  private final List<Step> steps = new ArrayList<>();
  private int groups;

  private static final class Entry {
    final boolean pair;
    final int partitions;
    final boolean rangeDependent;
    /** Downstream of a map that throws: a cancelled job over it could fail before it is cancelled. */
    boolean failing;
    /** Pool index of the input it was made from, or -1 for a source. */
    int parent = -1;

    Entry(boolean pair, int partitions, boolean rangeDependent) {
      this.pair = pair;
      this.partitions = partitions;
      this.rangeDependent = rangeDependent;
    }
  }

  private ProgramGenerator(long seed, DifferentialConfig config) {
    this.random = new SplittableRandom(seed);
    this.config = config;
  }

  /** The program of {@code seed}, in the configuration the seed chooses. */
  static Program generate(long seed) {
    DifferentialConfig[] configs = DifferentialConfig.values();
    DifferentialConfig config = configs[(int) Math.floorMod(seed * 0x9E3779B97F4A7C15L >>> 7,
        (long) configs.length)];
    return generate(seed, config);
  }

  static Program generate(long seed, DifferentialConfig config) {
    ProgramGenerator g = new ProgramGenerator(seed, config);
    g.build();
    return new Program(seed, config, g.steps);
  }

  private void build() {
    source();
    if (random.nextInt(3) == 0) {
      source();
    }
    int length = 5 + random.nextInt(12);
    for (int i = 0; i < length; i++) {
      int dice = random.nextInt(100);
      if (dice < 40 && pool.size() < MAX_POOL) {
        transformation();
      } else if (dice < 62) {
        mark();
      } else {
        action();
      }
    }
    // Every program ends with an action on its newest RDD, past every mark.
    add(Op.COUNT, -1, pool.size() - 1, -1, 0, 0, false);
  }

  private void source() {
    boolean pair = random.nextInt(3) == 0;
    int records = random.nextInt(4) == 0 ? random.nextInt(3) : 1 + random.nextInt(60);
    int slices = 1 + random.nextInt(4);
    add(pair ? Op.PARALLELIZE_PAIRS : Op.PARALLELIZE, -1, -1, slices, records, random.nextInt(50),
        false);
    pool.add(new Entry(pair, slices, false));
  }

  private int pick() {
    // Favour recent RDDs, so lineages grow deep.
    int n = pool.size();
    return random.nextInt(2) == 0 ? n - 1 - random.nextInt(Math.min(n, 2)) : random.nextInt(n);
  }

  private boolean partitionSensitiveAllowed(Entry e) {
    return config.exactPartitioning() || !e.rangeDependent;
  }

  private void transformation() {
    int in = pick();
    Entry e = pool.get(in);
    int dice = random.nextInt(100);
    if (dice < 5) {
      source();
      return;
    }
    if (dice < 20) {
      if (e.pair) {
        created(Op.MAP_VALUES, in, -1, 1 + random.nextInt(3), random.nextInt(6), false, e.pair,
            e.partitions, e.rangeDependent);
      } else {
        created(Op.MAP, in, -1, 1 + random.nextInt(3), random.nextInt(6), false, false,
            e.partitions, e.rangeDependent);
      }
    } else if (dice < 30) {
      int m = 2 + random.nextInt(4);
      created(e.pair ? Op.FILTER_PAIRS : Op.FILTER, in, -1, m, random.nextInt(m), false, e.pair,
          e.partitions, e.rangeDependent);
    } else if (dice < 38) {
      if (e.pair) {
        created(Op.VALUES, in, -1, 0, 0, false, false, e.partitions, e.rangeDependent);
      } else {
        created(Op.TO_PAIR, in, -1, 2 + random.nextInt(6), 0, false, true, e.partitions,
            e.rangeDependent);
      }
    } else if (dice < 48) {
      int other = partnerFor(in, e.pair);
      created(Op.UNION, in, other, 0, 0, false, e.pair, e.partitions + pool.get(other).partitions,
          e.rangeDependent || pool.get(other).rangeDependent);
    } else if (dice < 58 && e.pair && partitionSensitiveAllowed(e)) {
      int parts = 1 + random.nextInt(4);
      created(Op.REDUCE_BY_KEY, in, -1, parts, 0, false, true, parts, false);
    } else if (dice < 66 && e.pair && partitionSensitiveAllowed(e)) {
      int other = partnerFor(in, true);
      if (!partitionSensitiveAllowed(pool.get(other))) {
        return;
      }
      int parts = 1 + random.nextInt(4);
      created(Op.JOIN, in, other, parts, 0, false, true, parts, false);
    } else if (dice < 74 && partitionSensitiveAllowed(e)) {
      boolean shuffle = random.nextBoolean();
      int parts = 1 + random.nextInt(4);
      created(Op.COALESCE, in, -1, parts, 0, shuffle, e.pair,
          shuffle ? parts : Math.min(parts, e.partitions), e.rangeDependent);
    } else if (dice < 84) {
      int parts = 1 + random.nextInt(4);
      created(Op.SORT_BY, in, -1, parts, e.pair ? 1 : 0, random.nextBoolean(), e.pair, parts,
          true);
    } else if (dice < 92 && !e.pair && partitionSensitiveAllowed(e)) {
      int other = -1;
      for (int i = pool.size() - 1; i >= 0; i--) {
        Entry o = pool.get(i);
        if (i != in && !o.pair && o.partitions == e.partitions && partitionSensitiveAllowed(o)) {
          other = i;
          break;
        }
      }
      if (other < 0) {
        other = in; // zipping an RDD with itself is legal and has equal partition counts
      }
      created(Op.ZIP_PARTITIONS, in, other, 0, 0, false, false, e.partitions,
          e.rangeDependent);
    } else if (dice < 95 && !e.pair) {
      created(Op.FAILING_MAP, in, -1, random.nextInt(40), 0, false, false, e.partitions,
          e.rangeDependent);
    } else {
      created(e.pair ? Op.MAP_VALUES : Op.MAP, in, -1, 2, 1, false, e.pair, e.partitions,
          e.rangeDependent);
    }
  }

  /**
   * A partner for a binary step: half the time an ancestor of {@code in} of the same kind (diamond
   * lineages, where a marked RDD is reached along two paths), else any RDD of the same kind.
   */
  private int partnerFor(int in, boolean pair) {
    if (random.nextBoolean()) {
      for (int a = pool.get(in).parent; a >= 0; a = pool.get(a).parent) {
        if (pool.get(a).pair == pair && random.nextInt(3) > 0) {
          return a;
        }
      }
    }
    return sameKind(pair);
  }

  private int sameKind(boolean pair) {
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < pool.size(); i++) {
      if (pool.get(i).pair == pair) {
        candidates.add(i);
      }
    }
    return candidates.get(random.nextInt(candidates.size()));
  }

  private void mark() {
    int in = pick();
    int dice = random.nextInt(100);
    if (dice < 55) {
      if (config.background && random.nextBoolean()) {
        // Background writes need the application's persist: the shape Spark's advice gives.
        add(Op.PERSIST, -1, in, -1, random.nextInt(Step.LEVELS.length), 0, false);
      }
      add(Op.CHECKPOINT, -1, in, -1, 0, 0, false);
    } else if (dice < 65) {
      add(Op.LOCAL_CHECKPOINT, -1, in, -1, 0, 0, false);
    } else if (dice < 90) {
      add(Op.PERSIST, -1, in, -1, random.nextInt(Step.LEVELS.length), 0, false);
    } else {
      add(Op.UNPERSIST, -1, in, -1, 0, 0, false);
    }
  }

  private void action() {
    int in = pick();
    int dice = random.nextInt(100);
    Op op;
    int a = 0;
    if (dice < 22) {
      op = Op.COUNT;
    } else if (dice < 34) {
      op = Op.COLLECT;
    } else if (dice < 42) {
      op = Op.TAKE;
      a = 1 + random.nextInt(5);
    } else if (dice < 50) {
      op = Op.GLOM;
    } else if (dice < 60) {
      op = Op.COUNT_ASYNC;
    } else if (dice < 66) {
      op = Op.COLLECT_ASYNC;
    } else if (dice < 72) {
      op = Op.FOREACH_ASYNC;
    } else if (dice < 80) {
      op = Op.COUNT_APPROX;
    } else if (dice < 88) {
      op = Op.COUNT_IN_GROUP;
      a = groups++;
    } else if (pool.get(in).failing) {
      op = Op.COUNT;
    } else if (dice < 96) {
      op = Op.CANCELLED_COUNT;
      a = groups++;
    } else {
      op = Op.CANCELLED_COLLECT;
      a = groups++;
    }
    add(op, -1, in, -1, a, 0, false);
  }

  private void created(Op op, int in, int other, int a, int b, boolean flag, boolean pair,
      int partitions, boolean rangeDependent) {
    add(op, pool.size(), in, other, a, b, flag);
    Entry e = new Entry(pair, partitions, rangeDependent);
    e.parent = in;
    e.failing = op == Op.FAILING_MAP || pool.get(in).failing
        || (other >= 0 && pool.get(other).failing);
    pool.add(e);
  }

  private void add(Op op, int out, int in, int other, int a, int b, boolean flag) {
    if (op == Op.PARALLELIZE || op == Op.PARALLELIZE_PAIRS) {
      out = pool.size();
    }
    steps.add(new Step(op, out, in, other, a, b, flag));
  }
}
