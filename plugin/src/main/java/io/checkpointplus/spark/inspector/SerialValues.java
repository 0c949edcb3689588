package io.checkpointplus.spark.inspector;

import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reading plain values out of a structurally decoded stream ({@link SerialStream}): the
 * elements of a Java or Scala collection whatever its serialized form, strings anywhere below
 * an object, Spark's {@code Time} and {@code Duration}.
 */
final class SerialValues {
  private SerialValues() {
  }

  /**
   * The elements of a serialized collection: an array; a Scala {@code ArrayBuffer},
   * {@code WrappedArray} or {@code ArraySeq} (field {@code array}); or any collection whose
   * {@code writeObject} or serialization proxy writes its elements after its fields (Java's
   * {@code ArrayList} and {@code HashMap}, Scala's {@code List} and 2.13's
   * {@code DefaultSerializationProxy}): then the objects of its annotations, without block data
   * and Scala's end markers. A map gives keys and values alternately.
   */
  static List<Object> elements(Object value) {
    List<Object> out = new ArrayList<>();
    if (value instanceof SerialStream.Arr arr) {
      out.addAll(arr.elements());
    } else if (value instanceof SerialStream.Obj obj) {
      Object array = obj.field("array");
      if (array instanceof SerialStream.Arr arr) {
        Object size = obj.hasField("size0") ? obj.field("size0") : obj.field("size");
        int n = size instanceof Integer i ? Math.min(i, arr.elements().size())
            : arr.elements().size();
        out.addAll(arr.elements().subList(0, n));
        return out;
      }
      for (List<Object> annotation : obj.annotations.values()) {
        for (Object o : annotation) {
          if (o instanceof SerialStream.Block || isEndMarker(o)) {
            continue;
          }
          out.add(o);
        }
      }
      if (out.size() == 1 && out.get(0) instanceof SerialStream.Obj inner
          && inner != obj && !inner.annotations.isEmpty()) {
        return elements(inner);
      }
    }
    return out;
  }

  private static boolean isEndMarker(Object o) {
    return o instanceof SerialStream.Obj obj && obj.desc.name.endsWith("SerializeEnd$");
  }

  /** Spark's {@code Time} or {@code Duration} in milliseconds; null for anything else. */
  static Long millis(Object value) {
    if (value instanceof SerialStream.Obj obj) {
      // Scala may mangle a private field's name (org$apache$spark$streaming$Time$$millis)
      for (java.util.Map<String, Object> fields : obj.fieldsByClass.values()) {
        for (java.util.Map.Entry<String, Object> f : fields.entrySet()) {
          if ((f.getKey().equals("millis") || f.getKey().endsWith("$millis"))
              && f.getValue() instanceof Long ms) {
            return ms;
          }
        }
      }
    }
    return null;
  }

  /**
   * Every string reachable from {@code value}, each object visited once, not looking inside
   * objects {@code stop} (may be null) names.
   */
  static void strings(Object value, Consumer<String> sink,
      java.util.function.Predicate<SerialStream.Obj> stop) {
    walk(value, new IdentityHashMap<>(), o -> {
      if (o instanceof String s) {
        sink.accept(s);
      }
    }, stop);
  }

  /**
   * Visits {@code value} and everything reachable from it once, depth first; does not descend
   * into objects for which {@code stop} (may be null) says so, except {@code value} itself.
   */
  static void walk(Object value, Map<Object, Boolean> seen, Consumer<Object> visit,
      java.util.function.Predicate<SerialStream.Obj> stop) {
    ArrayList<Object> stack = new ArrayList<>();
    stack.add(value);
    boolean first = true;
    while (!stack.isEmpty()) {
      Object o = stack.remove(stack.size() - 1);
      if (o == null || (!(o instanceof String) && seen.put(o, Boolean.TRUE) != null)) {
        continue;
      }
      visit.accept(o);
      if (o instanceof SerialStream.Obj obj) {
        if (!first && stop != null && stop.test(obj)) {
          continue;
        }
        for (Map<String, Object> values : obj.fieldsByClass.values()) {
          push(stack, values.values());
        }
        for (List<Object> a : obj.annotations.values()) {
          push(stack, a);
        }
      } else if (o instanceof SerialStream.Arr arr) {
        push(stack, arr.elements());
      }
      first = false;
    }
  }

  private static void push(List<Object> stack, Collection<Object> values) {
    List<Object> reversed = new ArrayList<>(values);
    java.util.Collections.reverse(reversed);
    stack.addAll(reversed);
  }

  /** Whether {@code obj}'s class is, or extends, the class named {@code className}. */
  static boolean isA(SerialStream.Obj obj, String className) {
    for (SerialStream.Desc d = obj.desc; d != null; d = d.superDesc) {
      if (d.name.equals(className)) {
        return true;
      }
    }
    return false;
  }
}
