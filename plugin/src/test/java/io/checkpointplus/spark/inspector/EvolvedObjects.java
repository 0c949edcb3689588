package io.checkpointplus.spark.inspector;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.Optional;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.Function2;

/**
 * The two ways {@link UpgradeCheckDifferentialTest}'s application carries the objects of its
 * generated classes into a checkpoint: {@link Carry}, a map function of the DStream graph
 * holding them (so they are in the metadata), and {@link Grow}, an {@code updateStateByKey}
 * function whose state for key {@code k} is made by the {@code k}th maker (so they are only in
 * the state RDD's {@code rdd-N} checkpoint; the Java API's ClassTags are {@code Object}).
 */
final class EvolvedObjects {
  private EvolvedObjects() {
  }

  /** An identity map function carrying objects in its fields. */
  static final class Carry implements Function<Integer, Integer> {
    private static final long serialVersionUID = 1L;
    private final ArrayList<Object> payload;

    Carry(List<Object> payload) {
      this.payload = new ArrayList<>(payload);
    }

    @Override
    public Integer call(Integer x) {
      return x + payload.size() * 0;
    }
  }

  /**
   * State {@code k} is {@code makers[k].make()}, made in the task with the executor's class
   * loader (the writing build's classes), kept once made.
   */
  static final class Grow implements
      Function2<List<Integer>, Optional<Object>, Optional<Object>> {
    private static final long serialVersionUID = 1L;
    private final String[] makers;

    Grow(List<String> makers) {
      this.makers = makers.toArray(new String[0]);
    }

    @Override
    public Optional<Object> call(List<Integer> keys, Optional<Object> old) throws Exception {
      if (old.isPresent() || keys.isEmpty()) {
        return old;
      }
      return Optional.of(make(makers[keys.get(0)],
          Thread.currentThread().getContextClassLoader()));
    }
  }

  static Object make(String maker, ClassLoader loader) throws ReflectiveOperationException {
    return Class.forName(maker, true, loader).getMethod("make").invoke(null);
  }
}
