package io.checkpointplus.spark.differential;

import io.checkpointplus.spark.differential.Step.Op;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * Runs programs against one SparkContext (stock or with the plugin) and records their traces.
 * Every function is deterministic and captures only integers.
 */
final class ProgramInterpreter {
  /** How long a cancelled action may take before the run is declared hung (a failure). */
  private static final long HUNG_SECONDS = 120;

  private final SparkContext sc;
  private final JavaSparkContext jsc;
  /** false on local-cluster, where shuffle blocks arrive in any order: results are sorted. */
  private final boolean ordered;
  private final CancelOnJobStart canceller = new CancelOnJobStart();
  private final RunningTasks runningTasks = new RunningTasks();

  /** Cancels the job group it is armed with as soon as a job of that group starts. */
  private final class CancelOnJobStart extends SparkListener {
    private volatile String group;

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
      Properties p = jobStart.properties();
      String g = p == null ? null : p.getProperty("spark.jobGroup.id");
      if (g != null && g.equals(group)) {
        sc.cancelJobGroup(g);
      }
    }
  }

  /**
   * Counts the tasks that started and have not ended. A cancelled job fails its action at once,
   * while its killed tasks are still ending; a task killed while it stored a persisted block then
   * races the next job's tasks for that block (stock Spark answered the next action with "Block
   * rdd_0_1 does not exist" in one run of two), so the next step waits for them.
   */
  private final class RunningTasks extends SparkListener {
    private int running;

    @Override
    public synchronized void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart e) {
      running++;
    }

    @Override
    public synchronized void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd e) {
      running--;
      notifyAll();
    }

    /** Waits until every task the listener bus has reported started has ended; false if hung. */
    boolean awaitNone() throws InterruptedException {
      try {
        sc.listenerBus().waitUntilEmpty(TimeUnit.SECONDS.toMillis(HUNG_SECONDS));
      } catch (java.util.concurrent.TimeoutException e) {
        return false;
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HUNG_SECONDS);
      synchronized (this) {
        while (running > 0) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0) {
            return false;
          }
          wait(left);
        }
      }
      // A task launched just before the kill may have its start event still queued in the
      // scheduler's event loop: the task scheduler's own count of running tasks is exact.
      org.apache.spark.scheduler.TaskSchedulerImpl scheduler =
          (org.apache.spark.scheduler.TaskSchedulerImpl) sc.taskScheduler();
      while (runningInScheduler(scheduler) > 0) {
        if (System.nanoTime() > deadline) {
          return false;
        }
        // Parked between looks, as LocalSpark.stop waits: the count has no event to wait on.
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      return true;
    }

    private int runningInScheduler(org.apache.spark.scheduler.TaskSchedulerImpl scheduler) {
      int n = 0;
      scala.collection.Iterator<Object> counts =
          scheduler.runningTasksByExecutors().valuesIterator();
      while (counts.hasNext()) {
        n += (Integer) counts.next();
      }
      return n;
    }
  }

  /** One pool entry: an RDD of ints or of (int, int) pairs. */
  static final class Data {
    final JavaRDD<Integer> ints;
    final JavaPairRDD<Integer, Integer> pairs;
    final boolean rangeDependent;

    Data(JavaRDD<Integer> ints, JavaPairRDD<Integer, Integer> pairs, boolean rangeDependent) {
      this.ints = ints;
      this.pairs = pairs;
      this.rangeDependent = rangeDependent;
    }

    RDD<?> rdd() {
      return ints != null ? ints.rdd() : pairs.rdd();
    }
  }

  /** A finished run: its trace and the live RDDs (for reading checkpoints back). */
  static final class Run {
    final Program program;
    final Trace trace = new Trace();
    final List<Data> pool = new ArrayList<>();

    Run(Program program) {
      this.program = program;
    }
  }

  ProgramInterpreter(SparkContext sc, boolean ordered) {
    this.sc = sc;
    this.jsc = new JavaSparkContext(sc);
    this.ordered = ordered;
    sc.addSparkListener(canceller);
    sc.addSparkListener(runningTasks);
  }

  Run run(Program program, Path checkpointDir) {
    sc.setCheckpointDir(checkpointDir.toString());
    Run run = new Run(program);
    List<Data> pool = run.pool;
    for (int i = 0; i < program.steps.size(); i++) {
      Step step = program.steps.get(i);
      String result;
      if ((step.in >= 0 && step.in >= pool.size()) || (step.other >= 0
          && step.op != Op.PARALLELIZE && step.op != Op.PARALLELIZE_PAIRS
          && step.other >= pool.size()) || (step.out >= 0 && step.out != pool.size())) {
        result = "skipped: an input was not created";
      } else {
        try {
          result = apply(program, step, pool);
        } catch (Throwable t) {
          result = error(t);
        }
      }
      run.trace.observations.add(String.format("%2d %s -> %s | levels %s", i, step, result,
          levels(pool)));
      TreeSet<Integer> checkpointed = new TreeSet<>();
      for (int r = 0; r < pool.size(); r++) {
        if (pool.get(r).rdd().isCheckpointed()) {
          checkpointed.add(r);
        }
      }
      run.trace.checkpointed.add(checkpointed);
    }
    end(run, program.config);
    return run;
  }

  private void end(Run run, DifferentialConfig config) {
    List<Data> pool = run.pool;
    int first = pool.isEmpty() ? 0 : pool.get(0).rdd().id();
    Map<Integer, Integer> indexOf = new TreeMap<>();
    for (int r = 0; r < pool.size(); r++) {
      RDD<?> rdd = pool.get(r).rdd();
      run.trace.relativeIds.put(r, rdd.id() - first);
      indexOf.put(rdd.id(), r);
      if (rdd.getCheckpointFile().isDefined()) {
        run.trace.checkpointFiles.put(r, rdd.getCheckpointFile().get());
      }
    }
    List<String> persisted = new ArrayList<>();
    for (Map.Entry<Integer, JavaRDD<?>> e : jsc.getPersistentRDDs().entrySet()) {
      Integer r = indexOf.get(e.getKey());
      persisted.add((r == null ? "an RDD outside the program" : "r" + r) + ":"
          + level(e.getValue().getStorageLevel()));
    }
    persisted.sort(null);
    run.trace.observations.add("end: persisted RDDs " + persisted);
    run.trace.observations.add("end: live checkpoint-plus-* threads other than the "
        + "application's own (audit dispatcher, retention sweep and heartbeat) " + leftoverThreads());
    if (config.exactPartitioning()) {
      // Sorted RDDs (whose RangePartitioner samples with the RDD id) and the newest one.
      for (int r = 0; r < pool.size(); r++) {
        if (!pool.get(r).rangeDependent && r != pool.size() - 1) {
          continue;
        }
        String contents;
        try {
          contents = partitions(pool.get(r), config);
        } catch (Throwable t) {
          contents = error(t);
        }
        run.trace.observations.add("end: partitions of r" + r + " " + contents);
      }
    }
  }

  /** The plugin's threads that live as long as the SparkContext, not per job. */
  private static final java.util.Set<String> APPLICATION_THREADS = java.util.Set.of(
      "checkpoint-plus-audit", "checkpoint-plus-retention", "checkpoint-plus-heartbeat",
      "checkpoint-plus-background");

  /** Threads named checkpoint-plus-* still alive once finishing ones had 10 s to end. */
  static List<String> leftoverThreads() {
    List<String> alive = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("checkpoint-plus-")
          && !APPLICATION_THREADS.contains(t.getName())) {
        try {
          t.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
          alive.add(t.getName());
        }
      }
    }
    alive.sort(null);
    return alive;
  }

  /** Removes what a program left persisted, so the next program starts clean. */
  void cleanUp() {
    for (JavaRDD<?> rdd : jsc.getPersistentRDDs().values()) {
      rdd.unpersist(true);
    }
  }

  private String apply(Program program, Step s, List<Data> pool) throws Exception {
    Data in = s.in >= 0 ? pool.get(s.in) : null;
    Data other = s.other >= 0 && s.op != Op.PARALLELIZE && s.op != Op.PARALLELIZE_PAIRS
        ? pool.get(s.other) : null;
    switch (s.op) {
      case PARALLELIZE: {
        List<Integer> values = IntStream.range(0, s.a).map(i -> (i * 37 + s.b) % 101).boxed()
            .collect(Collectors.toList());
        return created(pool, new Data(jsc.parallelize(values, s.other), null, false));
      }
      case PARALLELIZE_PAIRS: {
        List<Tuple2<Integer, Integer>> values = IntStream.range(0, s.a)
            .mapToObj(i -> new Tuple2<>(i % 7, (i * 37 + s.b) % 101))
            .collect(Collectors.toList());
        return created(pool, new Data(null, jsc.parallelizePairs(values, s.other), false));
      }
      case MAP:
        return created(pool, ints(Functions.map(in.ints, s.a, s.b), in.rangeDependent));
      case FILTER:
        return created(pool, ints(Functions.filter(in.ints, s.a, s.b), in.rangeDependent));
      case TO_PAIR:
        return created(pool, pairs(Functions.toPair(in.ints, s.a), in.rangeDependent));
      case VALUES:
        return created(pool, ints(in.pairs.values(), in.rangeDependent));
      case MAP_VALUES:
        return created(pool, pairs(Functions.mapValues(in.pairs, s.a, s.b), in.rangeDependent));
      case FILTER_PAIRS:
        return created(pool, pairs(Functions.filterPairs(in.pairs, s.a, s.b),
            in.rangeDependent));
      case REDUCE_BY_KEY:
        return created(pool, pairs(Functions.reduceByKey(in.pairs, s.a), false));
      case JOIN:
        return created(pool, pairs(Functions.join(in.pairs, other.pairs, s.a), false));
      case UNION:
        boolean range = in.rangeDependent || other.rangeDependent;
        return created(pool, in.ints != null ? ints(in.ints.union(other.ints), range)
            : pairs(in.pairs.union(other.pairs), range));
      case COALESCE:
        return created(pool, in.ints != null ? ints(in.ints.coalesce(s.a, s.flag),
            in.rangeDependent) : pairs(in.pairs.coalesce(s.a, s.flag), in.rangeDependent));
      case SORT_BY:
        return created(pool, in.ints != null ? ints(Functions.sortBy(in.ints, s.flag, s.a), true)
            : pairs(in.pairs.sortByKey(s.flag, s.a), true));
      case ZIP_PARTITIONS:
        return created(pool, ints(Functions.zip(in.ints, other.ints), in.rangeDependent));
      case FAILING_MAP:
        return created(pool, ints(Functions.failAt(in.ints, s.a), in.rangeDependent));
      case CHECKPOINT:
        in.rdd().checkpoint();
        return "ok";
      case LOCAL_CHECKPOINT:
        in.rdd().localCheckpoint();
        return "ok";
      case PERSIST:
        in.rdd().persist(StorageLevel.fromString(Step.LEVELS[s.a]));
        return "ok";
      case UNPERSIST:
        in.rdd().unpersist(true);
        return "ok";
      case COUNT:
        return Long.toString(in.rdd().count());
      case COLLECT:
        return values(in.ints != null ? in.ints.collect() : in.pairs.collect(), ordered);
      case TAKE: {
        List<?> taken = in.ints != null ? in.ints.take(s.a) : in.pairs.take(s.a);
        // On local-cluster the order inside a shuffled partition varies, so which records come
        // first does too.
        return ordered ? values(taken, true) : taken.size() + " records";
      }
      case GLOM:
        return partitions(in, program.config);
      case COUNT_ASYNC:
        return Long.toString(in.ints != null ? in.ints.countAsync().get()
            : in.pairs.countAsync().get());
      case COLLECT_ASYNC:
        return values(in.ints != null ? in.ints.collectAsync().get()
            : in.pairs.collectAsync().get(), ordered);
      case FOREACH_ASYNC: {
        LongAccumulator sum = sc.longAccumulator();
        if (in.ints != null) {
          Functions.foreachAsyncSum(in.ints, sum).get();
        } else {
          Functions.foreachAsyncSumPairs(in.pairs, sum).get();
        }
        return "sum " + sum.value();
      }
      case COUNT_APPROX: {
        org.apache.spark.partial.PartialResult<org.apache.spark.partial.BoundedDouble> approx =
            in.ints != null ? in.ints.countApprox(60_000, 0.95)
                : in.pairs.countApprox(60_000, 0.95);
        return bounded(() -> "mean " + (long) approx.getFinalValue().mean());
      }
      case COUNT_IN_GROUP:
        return inJobGroup(group(program, s), false, () -> Long.toString(in.rdd().count()));
      case CANCELLED_COUNT:
      case CANCELLED_COLLECT: {
        String group = group(program, s);
        JavaRDD<Integer> blocking = Functions.blockUntilInterrupted(
            in.ints != null ? in.ints : in.pairs.values());
        canceller.group = group;
        String result;
        try {
          result = inJobGroup(group, true, () -> s.op == Op.CANCELLED_COUNT
              ? Long.toString(blocking.count()) : values(blocking.collect(), ordered));
        } finally {
          canceller.group = null;
        }
        return runningTasks.awaitNone() ? result
            : result + "; its killed tasks still running after " + HUNG_SECONDS + " s";
      }
      default:
        throw new AssertionError(s.op);
    }
  }

  /**
   * Waits for {@code body} on a daemon thread; a result that never completes (seen with the plugin
   * on local-cluster: an approximate job whose PartialResult never got its final value) is
   * recorded as HUNG instead of hanging the suite.
   */
  private static String bounded(Callable<String> body) throws InterruptedException {
    String[] out = new String[1];
    Thread t = new Thread(() -> {
      try {
        out[0] = body.call();
      } catch (Throwable e) {
        out[0] = error(e);
      }
    }, "differential-wait");
    t.setDaemon(true);
    t.start();
    t.join(TimeUnit.SECONDS.toMillis(HUNG_SECONDS));
    return t.isAlive() ? "HUNG: no final value after " + HUNG_SECONDS + " s" : out[0];
  }

  private static String group(Program program, Step s) {
    return "differential-" + program.seed + "-g" + s.a;
  }

  /** Runs {@code body} on a new thread whose job group is {@code group}. */
  private String inJobGroup(String group, boolean interruptOnCancel, Callable<String> body)
      throws InterruptedException {
    String[] out = new String[1];
    Thread t = new Thread(() -> {
      sc.setJobGroup(group, "differential program", interruptOnCancel);
      try {
        out[0] = body.call();
      } catch (Throwable e) {
        out[0] = error(e);
      } finally {
        sc.clearJobGroup();
      }
    }, "differential-action-" + group);
    t.start();
    t.join(TimeUnit.SECONDS.toMillis(HUNG_SECONDS));
    if (t.isAlive()) {
      sc.cancelJobGroup(group);
      t.join();
      return "HUNG for " + HUNG_SECONDS + " s (then cancelled): " + out[0];
    }
    return out[0];
  }

  private static String created(List<Data> pool, Data d) {
    pool.add(d);
    return "rdd";
  }

  private static Data ints(JavaRDD<Integer> rdd, boolean rangeDependent) {
    return new Data(rdd, null, rangeDependent);
  }

  private static Data pairs(JavaPairRDD<Integer, Integer> rdd, boolean rangeDependent) {
    return new Data(null, rdd, rangeDependent);
  }

  /**
   * Partition contents, each partition's records sorted. Of a sorted RDD under a policy that may
   * shift RDD ids (so the RangePartitioner's sample), only the records as a whole.
   */
  static String partitions(Data d, DifferentialConfig config) {
    List<? extends List<?>> parts = d.ints != null ? d.ints.glom().collect()
        : d.pairs.glom().collect();
    return format(parts, d.rangeDependent && !config.exactPartitioning());
  }

  static String format(List<? extends List<?>> parts, boolean wholeOnly) {
    if (wholeOnly) {
      List<Object> all = new ArrayList<>();
      parts.forEach(all::addAll);
      return "all partitions together " + values(all, false);
    }
    return parts.stream().map(p -> values(p, false)).collect(Collectors.joining(" ",
        parts.size() + " partitions ", ""));
  }

  /** Reads a reliable checkpoint directory with {@code sc}'s own reader; one list a partition. */
  static List<List<Object>> readBack(SparkContext sc, String dir) {
    RDD<Object> rdd = sc.checkpointFile(dir, ClassTag$.MODULE$.apply(Object.class));
    Object[] parts = (Object[]) rdd.glom().collect();
    List<List<Object>> out = new ArrayList<>();
    for (Object p : parts) {
      out.add(java.util.Arrays.asList((Object[]) p));
    }
    return out;
  }

  static String values(List<?> values, boolean keepOrder) {
    List<String> shown = values.stream().map(String::valueOf).collect(Collectors.toList());
    if (!keepOrder) {
      shown.sort(null);
    }
    return "[" + String.join(",", shown) + "]";
  }

  static String level(StorageLevel level) {
    if (level.equals(StorageLevel.NONE())) {
      return "NONE";
    }
    for (String name : new String[] {"MEMORY_ONLY", "MEMORY_AND_DISK", "DISK_ONLY",
        "MEMORY_ONLY_SER", "MEMORY_AND_DISK_SER", "MEMORY_AND_DISK_2", "MEMORY_ONLY_2",
        "DISK_ONLY_2", "MEMORY_ONLY_SER_2", "MEMORY_AND_DISK_SER_2", "OFF_HEAP"}) {
      if (StorageLevel.fromString(name).equals(level)) {
        return name;
      }
    }
    return level.description();
  }

  private static String levels(List<Data> pool) {
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < pool.size(); r++) {
      sb.append(r == 0 ? "" : " ").append('r').append(r).append('=')
          .append(level(pool.get(r).rdd().getStorageLevel()));
    }
    return sb.toString();
  }

  /**
   * An error as class and message, numbers (job, stage, task ids, which differ when the plugin
   * runs extra jobs) blanked, plus the root cause's class and message.
   */
  static String error(Throwable t) {
    if (t instanceof ExecutionException && t.getCause() != null) {
      t = t.getCause();
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String s = "ERROR " + t.getClass().getName() + ": "
        + firstLine(t.getMessage()).replaceAll("\\d+", "#");
    if (root != t) {
      s += " / root cause " + root.getClass().getName() + ": " + firstLine(root.getMessage());
    }
    return s;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "null";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  /** The programs' functions: static, so no lambda captures more than integers. */
  static final class Functions {
    private Functions() {
    }

    static JavaRDD<Integer> map(JavaRDD<Integer> r, int m, int c) {
      return r.map(x -> (x * m + c) % 1000);
    }

    static JavaRDD<Integer> filter(JavaRDD<Integer> r, int m, int rem) {
      return r.filter(x -> x % m != rem);
    }

    static JavaPairRDD<Integer, Integer> toPair(JavaRDD<Integer> r, int m) {
      return r.mapToPair(x -> new Tuple2<>(x % m, x));
    }

    static JavaPairRDD<Integer, Integer> mapValues(JavaPairRDD<Integer, Integer> r, int m, int c) {
      return r.mapValues(v -> (v * m + c) % 1000);
    }

    static JavaPairRDD<Integer, Integer> filterPairs(JavaPairRDD<Integer, Integer> r, int m,
        int rem) {
      return r.filter(t -> t._2() % m != rem);
    }

    static JavaPairRDD<Integer, Integer> reduceByKey(JavaPairRDD<Integer, Integer> r, int n) {
      return r.reduceByKey(Integer::sum, n);
    }

    static JavaPairRDD<Integer, Integer> join(JavaPairRDD<Integer, Integer> r,
        JavaPairRDD<Integer, Integer> o, int n) {
      return r.join(o.reduceByKey(Math::max, n), n).mapValues(t -> t._1() * 31 + t._2());
    }

    static JavaRDD<Integer> sortBy(JavaRDD<Integer> r, boolean ascending, int n) {
      return r.sortBy(x -> x, ascending, n);
    }

    static JavaRDD<Integer> zip(JavaRDD<Integer> r, JavaRDD<Integer> o) {
      return r.zipPartitions(o, (Iterator<Integer> xs, Iterator<Integer> ys) -> {
        int size = 0;
        while (ys.hasNext()) {
          ys.next();
          size++;
        }
        List<Integer> out = new ArrayList<>();
        while (xs.hasNext()) {
          out.add(xs.next() + size);
        }
        return out.iterator();
      });
    }

    static JavaRDD<Integer> failAt(JavaRDD<Integer> r, int value) {
      return r.map(x -> {
        if (x == value) {
          throw new IllegalStateException("boom at " + value);
        }
        return x;
      });
    }

    static org.apache.spark.api.java.JavaFutureAction<Void> foreachAsyncSum(JavaRDD<Integer> r,
        LongAccumulator sum) {
      return r.foreachAsync(x -> sum.add(x));
    }

    static org.apache.spark.api.java.JavaFutureAction<Void> foreachAsyncSumPairs(
        JavaPairRDD<Integer, Integer> r, LongAccumulator sum) {
      return r.foreachAsync(t -> sum.add(t._1() * 31L + t._2()));
    }

    /** Each task waits until it is interrupted, i.e. until its job is cancelled. */
    static JavaRDD<Integer> blockUntilInterrupted(JavaRDD<Integer> r) {
      return r.mapPartitions(it -> {
        // Spark 3.5 Task.run: a kill that arrives before the task thread is set is applied
        // with interruptThread = false, so also watch the task context's kill flag.
        CountDownLatch never = new CountDownLatch(1);
        while (!never.await(50, TimeUnit.MILLISECONDS)) {
          if (org.apache.spark.TaskContext.get().isInterrupted()) {
            throw new InterruptedException("task killed before its thread was interrupted");
          }
        }
        return it;
      });
    }
  }
}
