package io.checkpointplus.spark.inspector;

import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one or more Java serialization streams say about each class they name, gathered for
 * {@code upgrade-check} and {@code verify}: the first descriptor of each class (and any later
 * one that differs from it), the classes that have instances
 * (only those need a serialization constructor), the classes of the values each object field
 * received (a field's new type must still hold them), the enum constants written, and the
 * serialized lambdas. Bounded by the number of distinct classes, not by the number of records:
 * a state RDD's checkpoint of millions of records is added one record at a time.
 */
final class SerializedClasses {
  /** The first descriptor of each class, in stream order, and where it was first seen. */
  final Map<String, SerialStream.Desc> descriptors = new LinkedHashMap<>();
  final Map<String, String> firstSeenIn = new LinkedHashMap<>();
  /**
   * Later descriptors of a class that differ from its first (another serialVersionUID, flags or
   * fields), each once, and where each was first seen. One build writes one descriptor per
   * class, over and over (Java serialization resends them after every reset): a second one is
   * damage, or data of two builds, and is judged as the first is. At most
   * {@value #MAX_VARIANTS}.
   */
  final Map<SerialStream.Desc, String> variants = new LinkedHashMap<>();
  static final int MAX_VARIANTS = 1000;
  /** Classes of which the streams hold an object (not only a descriptor or a superclass). */
  final Set<String> instantiated = new LinkedHashSet<>();
  /**
   * Classes the streams name as the class of a value (an object, an array, an enum constant, a
   * {@code Class}), not only as a superclass of another class: those a read must resolve.
   */
  final Set<String> classesOfValues = new LinkedHashSet<>();
  /** Declaring class → object field → the classes of the values it received. */
  final Map<String, Map<String, Set<String>>> fieldValueClasses = new LinkedHashMap<>();
  final Map<String, Set<String>> enumConstants = new LinkedHashMap<>();
  /** The serialized lambdas, each once. */
  final Set<Lambda> lambdas = new LinkedHashSet<>();

  /**
   * A serialized lambda ({@code java.lang.invoke.SerializedLambda}): its implementation method
   * (the class as an internal name, {@code a/b/C}) and the class that created it, whose
   * {@code $deserializeLambda$} recreates it on read (a class name; null when the stream does
   * not name it).
   */
  record Lambda(String implClass, String implMethodName, String implMethodSignature,
      String capturingClass) {
  }

  /**
   * Adds one decoded object and the descriptors its stream read for it.
   *
   * @param source where the stream came from (a file), named in verdicts
   */
  void add(Object root, Collection<SerialStream.Desc> descs, String source) {
    for (SerialStream.Desc d : descs) {
      SerialStream.Desc first = descriptors.putIfAbsent(d.name, d);
      if (first == null) {
        firstSeenIn.put(d.name, source);
      } else if (first != d && !first.sameAs(d) && variants.size() < MAX_VARIANTS
          && variants.keySet().stream().noneMatch(v -> v.sameAs(d))) {
        variants.put(d, source);
      }
    }
    SerialValues.walk(root, new IdentityHashMap<>(), o -> {
      SerialStream.Desc own = o instanceof SerialStream.Obj obj ? obj.desc
          : o instanceof SerialStream.Arr arr ? arr.desc()
          : o instanceof SerialStream.EnumConst e ? e.desc()
          : o instanceof SerialStream.ClassRef c ? c.desc() : null;
      if (own != null) {
        classesOfValues.add(own.name);
      }
      if (o instanceof SerialStream.EnumConst e) {
        enumConstants.computeIfAbsent(e.desc().name, k -> new TreeSet<>()).add(e.constant());
      }
      if (o instanceof SerialStream.Obj obj) {
        instantiated.add(obj.desc.name);
        for (Map.Entry<String, Map<String, Object>> c : obj.fieldsByClass.entrySet()) {
          for (Map.Entry<String, Object> f : c.getValue().entrySet()) {
            String valueClass = valueClass(f.getValue());
            if (valueClass != null) {
              fieldValueClasses.computeIfAbsent(c.getKey(), k -> new LinkedHashMap<>())
                  .computeIfAbsent(f.getKey(), k -> new LinkedHashSet<>()).add(valueClass);
            }
          }
        }
        if (obj.desc.name.equals("java.lang.invoke.SerializedLambda")
            && obj.field("implClass") instanceof String c
            && obj.field("implMethodName") instanceof String n
            && obj.field("implMethodSignature") instanceof String s) {
          lambdas.add(new Lambda(c, n, s, obj.field("capturingClass")
              instanceof SerialStream.ClassRef cap && cap.desc() != null
              ? cap.desc().name : null));
        }
      }
    }, null);
  }

  /**
   * Scala 2.13's stand-in for a Scala object ({@code object X}, {@code case object X}, a
   * companion): reading it gives the instance of the class in its {@code moduleClass} field.
   */
  static final String SCALA_OBJECT_PROXY = "scala.runtime.ModuleSerializationProxy";

  /**
   * The class of a field's value as the stream names it (for a Scala 2.13 object's proxy, the
   * object's class: what reading it gives); null for null and primitives.
   */
  private static String valueClass(Object v) {
    if (v instanceof SerialStream.Obj vo && vo.desc.name.equals(SCALA_OBJECT_PROXY)
        && vo.field("moduleClass") instanceof SerialStream.ClassRef module
        && module.desc() != null && !module.desc().isProxy()) {
      return module.desc().name;
    }
    return v instanceof SerialStream.Obj vo ? vo.desc.name
        : v instanceof SerialStream.Arr va ? va.desc().name
        : v instanceof SerialStream.EnumConst ve ? ve.desc().name
        : v instanceof SerialStream.ClassRef ? "java.lang.Class"
        : v instanceof String ? "java.lang.String" : null;
  }

  /** The value classes field {@code field} of class {@code className} received. */
  Collection<String> valueClasses(String className, String field) {
    Map<String, Set<String>> fields = fieldValueClasses.get(className);
    Set<String> out = fields == null ? null : fields.get(field);
    return out == null ? List.of() : new ArrayList<>(out);
  }
}
