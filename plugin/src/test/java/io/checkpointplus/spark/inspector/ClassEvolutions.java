package io.checkpointplus.spark.inspector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random evolutions of one serialized application class between the build that wrote a
 * checkpoint and the build that restarts from it, as Java source: fields added, removed,
 * retyped or made transient, with and without {@code serialVersionUID}; methods, constants and
 * static initializers added (which change only a computed {@code serialVersionUID}); a
 * non-serializable superclass added, removed, made serializable or losing its accessible no-arg
 * constructor; the class removed or no longer serializable; enum constants added, removed or
 * reordered; serializable lambdas renumbered, recaptured or retargeted, serializable method
 * references retargeted, no longer serializable or only beside a non-serializable reference to
 * the same method (the capturing class's {@code $deserializeLambda$} no longer recreates them);
 * the new build's code
 * that a read runs (a {@code readObject} that reads more or validates, {@code readExternal},
 * {@code readResolve} returning another type, a record's compact constructor, a
 * {@code serialPersistentFields} retyping a field), a class made abstract, a serializable
 * superclass removed or no longer serializable; and, as Scala source,
 * case classes, case objects and functions ({@link ScalaEvolutions}). Each case lives in its
 * own package {@code c<id>}, so many cases compile in one compiler run per language. Nothing
 * here predicts an outcome: the test compares {@code upgrade-check} with a real read.
 */
final class ClassEvolutions {
  /** Where the case's object is written in the checkpoint. */
  enum Place { GRAPH, STATE }

  /**
   * One case: the sources of the writing build (with {@code c<id>.Make.make()}, which returns
   * the object the checkpoint holds) and of the restarting build (no {@code Make}), by class
   * name (Java: one class per file) or, for Scala ({@code scala}), by the name of the file
   * {@code c<id>/<Name>.scala}.
   */
  record Case(int id, String kind, Place place, boolean inJars, Map<String, String> v1,
      Map<String, String> v2, String description, boolean scala) {
    String pkg() {
      return "c" + id;
    }

    String maker() {
      return pkg() + ".Make";
    }
  }

  private static final String[][] TYPES = {
      {"int", "7"}, {"long", "7L"}, {"double", "1.5"}, {"boolean", "true"},
      {"short", "(short) 3"}, {"String", "\"s\""}, {"String", "null"},
      {"Integer", "Integer.valueOf(4)"}, {"Long", "Long.valueOf(4)"}, {"Object", "\"o\""},
      {"int[]", "new int[] {1, 2}"}, {"long[]", "new long[] {1}"},
      {"java.util.ArrayList<String>", "new java.util.ArrayList<>()"},
      {"java.util.List<String>", "java.util.List.of(\"a\")"}};

  private static final String[] KINDS = {"same", "addField", "removeField", "retypeField",
      "transientField", "addMethod", "addConstant", "addStaticInit", "superNoArgRemoved",
      "superNoArgPrivate", "superNoArgPackagePrivate", "superNoArgProtected",
      "superMadeSerializable", "superAdded", "superRemoved", "notSerializable", "removed",
      "enumAdded", "enumRemoved", "enumReordered", "lambdaBefore", "lambdaAfter",
      "lambdaBody", "lambdaCapture", "lambdaOtherInterface", "lambdaSameShape",
      "lambdaRefSame", "lambdaRefRetargeted", "lambdaRefNotSerializable", "lambdaRefShadowed",
      "externalizableCtorHidden", "externalizableSame", "recordAddComponent",
      "recordRemoveComponent", "recordRetypeComponent", "nestedChanged", "nestedFixed",
      "madeAbstract", "readObjectAdded", "serialPersistentFieldsAdded",
      "superSerializableRemoved", "superSerializableDropped", "externalizableReadsMore",
      "recordValidates", "nestedReadResolve"};

  /** The Java kinds, then the Scala ones ({@link ScalaEvolutions}). */
  private static final String[] ALL_KINDS = java.util.stream.Stream.concat(
      java.util.Arrays.stream(KINDS), java.util.Arrays.stream(ScalaEvolutions.KINDS))
      .toArray(String[]::new);

  private ClassEvolutions() {
  }

  /** {@code count} cases from {@code seed}. */
  static List<Case> generate(long seed, int count) {
    Random r = new Random(seed);
    List<Case> out = new ArrayList<>();
    for (int id = 0; id < count; id++) {
      out.add(generate(id, ALL_KINDS[r.nextInt(ALL_KINDS.length)], r));
    }
    return out;
  }

  private static final class Field {
    String mods;
    String type;
    String init;
    final String name;

    Field(String mods, String type, String init, String name) {
      this.mods = mods;
      this.type = type;
      this.init = init;
      this.name = name;
    }

    String render() {
      return "  " + mods + " " + type + " " + name + " = " + init + ";\n";
    }
  }

  /** A serializable class, its superclass and the members an evolution touches. */
  private static final class Shape {
    String pkg;
    boolean serializable = true;
    boolean isAbstract;
    Long suid;
    List<Field> fields = new ArrayList<>();
    String base; // null: extends Object; "same" or "other" package
    boolean baseSerializable;
    String baseNoArg = "public"; // modifier of Base(); null: none
    String extra = "";

    Map<String, String> render() {
      Map<String, String> out = new LinkedHashMap<>();
      String basePkg = "other".equals(base) ? pkg + ".b" : pkg;
      StringBuilder x = new StringBuilder("package " + pkg + ";\npublic "
          + (isAbstract ? "abstract " : "") + "class X");
      if (base != null) {
        x.append(" extends ").append(basePkg).append(".Base");
      }
      if (serializable) {
        x.append(" implements java.io.Serializable");
      }
      x.append(" {\n");
      if (suid != null) {
        x.append("  private static final long serialVersionUID = ").append(suid).append("L;\n");
      }
      for (Field f : fields) {
        x.append(f.render());
      }
      x.append("  public X() { ").append(base != null ? "super(0); " : "").append("}\n");
      x.append(extra).append("}\n");
      out.put(pkg + ".X", x.toString());
      if (base != null) {
        StringBuilder b = new StringBuilder("package " + basePkg + ";\npublic class Base");
        if (baseSerializable) {
          b.append(" implements java.io.Serializable");
        }
        b.append(" {\n  protected int origin;\n  public Base(int origin) { this.origin = origin; }\n");
        if (baseNoArg != null) {
          b.append("  ").append(baseNoArg).append(baseNoArg.isEmpty() ? "" : " ")
              .append("Base() { }\n");
        }
        b.append("}\n");
        out.put(basePkg + ".Base", b.toString());
      }
      return out;
    }

    Shape copy() {
      Shape s = new Shape();
      s.pkg = pkg;
      s.serializable = serializable;
      s.isAbstract = isAbstract;
      s.suid = suid;
      for (Field f : fields) {
        s.fields.add(new Field(f.mods, f.type, f.init, f.name));
      }
      s.base = base;
      s.baseSerializable = baseSerializable;
      s.baseNoArg = baseNoArg;
      s.extra = extra;
      return s;
    }
  }

  private static Case generate(int id, String kind, Random r) {
    String pkg = "c" + id;
    Place place = r.nextBoolean() ? Place.GRAPH : Place.STATE;
    boolean inJars = r.nextInt(5) == 0;
    if (kind.startsWith("scala")) {
      return ScalaEvolutions.generate(id, kind, place, inJars, r);
    }
    if (kind.startsWith("enum")) {
      return enumCase(id, kind, place, inJars, r);
    }
    if (kind.startsWith("lambda")) {
      return lambdaCase(id, kind, place, inJars, r);
    }
    if (kind.startsWith("externalizable") || kind.startsWith("record")
        || kind.startsWith("nested")) {
      return otherCase(id, kind, place, inJars, r);
    }
    Shape v1 = new Shape();
    v1.pkg = pkg;
    v1.suid = r.nextBoolean() ? (long) r.nextInt(5) : null;
    int n = 1 + r.nextInt(3);
    for (int i = 0; i < n; i++) {
      String[] t = TYPES[r.nextInt(TYPES.length)];
      v1.fields.add(new Field(r.nextBoolean() ? "public" : "private", t[0], t[1], "f" + i));
    }
    if (kind.startsWith("super") && !kind.equals("superAdded") || r.nextInt(4) == 0
        && !kind.equals("superAdded")) {
      v1.base = r.nextBoolean() ? "same" : "other";
      v1.baseSerializable = kind.startsWith("superSerializable");
    }
    Shape v2 = v1.copy();
    Field some = v2.fields.get(r.nextInt(v2.fields.size()));
    switch (kind) {
      case "same" -> { }
      case "addField" -> {
        String[] t = TYPES[r.nextInt(TYPES.length)];
        v2.fields.add(new Field(r.nextBoolean() ? "public" : "private", t[0], t[1], "g"));
      }
      case "removeField" -> v2.fields.remove(some);
      case "retypeField" -> {
        String[] t = TYPES[r.nextInt(TYPES.length)];
        some.type = t[0];
        some.init = t[1];
      }
      case "transientField" -> some.mods = some.mods + " transient";
      case "addMethod" -> v2.extra = "  public int size() { return 1; }\n";
      case "addConstant" -> v2.extra = "  " + (r.nextBoolean() ? "private" : "public")
          + " static final int LIMIT = 10;\n";
      case "addStaticInit" -> v2.extra = "  static int counter;\n  static { counter = 1; }\n";
      case "superNoArgRemoved" -> v2.baseNoArg = null;
      case "superNoArgPrivate" -> v2.baseNoArg = "private";
      case "superNoArgPackagePrivate" -> v2.baseNoArg = "";
      case "superNoArgProtected" -> v2.baseNoArg = "protected";
      case "superMadeSerializable" -> v2.baseSerializable = true;
      case "superAdded" -> {
        v2.base = r.nextBoolean() ? "same" : "other";
        v2.baseNoArg = new String[] {"public", null, "private", "", "protected"}[r.nextInt(5)];
      }
      case "superRemoved" -> v2.base = null;
      case "notSerializable" -> v2.serializable = false;
      case "removed" -> { }
      case "madeAbstract" -> v2.isAbstract = true;
      case "readObjectAdded" -> v2.extra = "  private void readObject(java.io.ObjectInputStream"
          + " in) throws java.io.IOException, ClassNotFoundException {\n"
          + "    in.defaultReadObject();\n    " + new String[] {"", "in.readInt();",
              "if (" + (some.type.equals("boolean") ? some.name : some.name
              + (isPrimitive(some.type) ? " == 0" : " != null")) + ") throw"
              + " new java.io.InvalidObjectException(\"" + some.name + "\");"}[r.nextInt(3)]
          + "\n  }\n";
      case "serialPersistentFieldsAdded" -> {
        String type = r.nextBoolean() ? some.type : TYPES[r.nextInt(TYPES.length)][0];
        v2.extra = "  private static final java.io.ObjectStreamField[] serialPersistentFields"
            + " = { new java.io.ObjectStreamField(\"" + some.name + "\", "
            + type.replaceAll("<.*>", "") + ".class) };\n";
      }
      case "superSerializableRemoved" -> v2.base = null;
      case "superSerializableDropped" -> v2.baseSerializable = false;
      default -> throw new IllegalArgumentException(kind);
    }
    Map<String, String> s1 = v1.render();
    s1.put(pkg + ".Make", "package " + pkg + ";\npublic class Make { public static Object make()"
        + " { return new X(); } }\n");
    Map<String, String> s2 = kind.equals("removed") ? Map.of() : v2.render();
    return new Case(id, kind, place, inJars, s1, s2, kind + " in " + place
        + (inJars ? " (new class only in --jars)" : "") + "\n--- v1:\n" + s1.get(pkg + ".X")
        + (s1.containsKey(pkg + ".Base") ? s1.get(pkg + ".Base") : "")
        + (s1.containsKey(pkg + ".b.Base") ? s1.get(pkg + ".b.Base") : "") + "--- v2:\n"
        + String.join("", s2.values()), false);
  }

  private static boolean isPrimitive(String type) {
    // java.util.List<String> starts with a lower-case letter too
    return Character.isLowerCase(type.charAt(0)) && !type.endsWith("]") && !type.contains(".");
  }

  private static Case enumCase(int id, String kind, Place place, boolean inJars, Random r) {
    String pkg = "c" + id;
    List<String> constants = new ArrayList<>(List.of("A", "B", "C"));
    String written = constants.get(r.nextInt(constants.size()));
    List<String> next = new ArrayList<>(constants);
    switch (kind) {
      case "enumAdded" -> next.add(r.nextInt(next.size() + 1), "D");
      case "enumRemoved" -> next.remove(r.nextInt(next.size()));
      case "enumReordered" -> java.util.Collections.reverse(next);
      default -> throw new IllegalArgumentException(kind);
    }
    Map<String, String> s1 = new LinkedHashMap<>();
    s1.put(pkg + ".X", "package " + pkg + ";\npublic enum X { " + String.join(", ", constants)
        + " }\n");
    s1.put(pkg + ".Make", "package " + pkg + ";\npublic class Make { public static Object make()"
        + " { return X." + written + "; } }\n");
    Map<String, String> s2 = Map.of(pkg + ".X", "package " + pkg + ";\npublic enum X { "
        + String.join(", ", next) + " }\n");
    return new Case(id, kind, place, inJars, s1, s2, kind + " in " + place + ": wrote "
        + written + " of " + constants + ", new " + next, false);
  }

  private static Case lambdaCase(int id, String kind, Place place, boolean inJars, Random r) {
    String pkg = "c" + id;
    String target = "return (java.util.function.Supplier<Integer> & java.io.Serializable)"
        + " () -> 1;";
    String v1Body = target;
    String v2Body;
    String v2Extra = "";
    // a method reference to X.one: X.one stays, only X's $deserializeLambda$ tells
    String ref = "return (java.util.function.Supplier<Integer> & java.io.Serializable) X::one;";
    String refTargets = "  public static Integer one() { return 1; }\n"
        + "  public static Integer two() { return 2; }\n";
    String v1Extra = "";
    if (kind.startsWith("lambdaRef")) {
      v1Body = ref;
      v1Extra = refTargets;
      v2Extra = refTargets;
    }
    switch (kind) {
      case "lambdaBefore" -> {
        v2Extra = "  public static Runnable first() { return () -> { }; }\n";
        v2Body = target;
      }
      case "lambdaAfter" -> {
        v2Body = target;
        v2Extra = "  public static Runnable later() { return () -> { }; }\n";
      }
      case "lambdaBody" -> v2Body = target.replace("() -> 1", "() -> 2");
      case "lambdaCapture" -> v2Body = "int k = 3; return (java.util.function.Supplier<Integer>"
          + " & java.io.Serializable) () -> k;";
      case "lambdaOtherInterface" -> v2Body = "java.util.concurrent.Callable<Integer> c ="
          + " (java.util.concurrent.Callable<Integer> & java.io.Serializable) () -> 2;\n    "
          + target;
      case "lambdaSameShape" -> v2Body = "java.util.function.Supplier<Integer> s ="
          + " (java.util.function.Supplier<Integer> & java.io.Serializable) () -> 2;\n    "
          + target;
      case "lambdaRefSame" -> v2Body = ref;
      case "lambdaRefRetargeted" -> v2Body = ref.replace("X::one", "X::two");
      // X::one still in X, by a reference that is not serializable, beside another lambda
      // that is: X has a $deserializeLambda$, which does not recreate X::one
      case "lambdaRefShadowed" -> v2Body = "java.util.function.Supplier<Integer> s = X::one;\n"
          + "    s.get();\n    " + target;
      case "lambdaRefNotSerializable" -> v2Body = "java.util.function.Supplier<Integer> s ="
          + " X::one;\n    return s;";
      default -> throw new IllegalArgumentException(kind);
    }
    boolean v2First = kind.equals("lambdaBefore");
    Map<String, String> s1 = new LinkedHashMap<>();
    s1.put(pkg + ".X", "package " + pkg + ";\npublic class X {\n  public static Object lambda()"
        + " {\n    " + v1Body + "\n  }\n" + v1Extra + "}\n");
    s1.put(pkg + ".Make", "package " + pkg + ";\npublic class Make { public static Object make()"
        + " { return X.lambda(); } }\n");
    String lambdaMethod = "  public static Object lambda() {\n    " + v2Body + "\n  }\n";
    Map<String, String> s2 = Map.of(pkg + ".X", "package " + pkg + ";\npublic class X {\n"
        + (v2First ? v2Extra + lambdaMethod : lambdaMethod + v2Extra) + "}\n");
    return new Case(id, kind, place, inJars, s1, s2, kind + " in " + place + "\n--- v1:\n"
        + s1.get(pkg + ".X") + "--- v2:\n" + s2.get(pkg + ".X"), false);
  }

  /** Externalizable classes, records, and a class reached through another's field. */
  private static Case otherCase(int id, String kind, Place place, boolean inJars, Random r) {
    String pkg = "c" + id;
    String head = "package " + pkg + ";\n";
    Map<String, String> s1 = new LinkedHashMap<>();
    Map<String, String> s2 = new LinkedHashMap<>();
    String make;
    if (kind.startsWith("externalizable")) {
      String body = " implements java.io.Externalizable {\n  private static final long"
          + " serialVersionUID = 1L;\n  int n = 1;\n  %s X() { }\n"
          + "  public void writeExternal(java.io.ObjectOutput out) throws java.io.IOException"
          + " { out.writeInt(n); }\n"
          + "  public void readExternal(java.io.ObjectInput in) throws java.io.IOException"
          + " { n = in.readInt();%s }\n}\n";
      s1.put(pkg + ".X", head + "public class X" + body.formatted("public", ""));
      s2.put(pkg + ".X", head + "public class X" + body.formatted(
          kind.endsWith("Hidden") ? (r.nextBoolean() ? "" : "protected") : "public",
          kind.endsWith("ReadsMore") ? (r.nextBoolean() ? " in.readLong();" : " n++;") : ""));
      make = "new X()";
    } else if (kind.startsWith("record")) {
      String[] t1 = {"int", "long", "String"};
      String a = t1[r.nextInt(t1.length)];
      String init = a.equals("String") ? "\"a\"" : a.equals("long") ? "1L" : "1";
      s1.put(pkg + ".X", head + "public record X(" + a + " a, int b) implements"
          + " java.io.Serializable { }\n");
      String next = switch (kind) {
        case "recordValidates" -> a + " a, int b";
        case "recordAddComponent" -> a + " a, int b, String c";
        case "recordRemoveComponent" -> "int b";
        default -> t1[(java.util.Arrays.asList(t1).indexOf(a) + 1 + r.nextInt(2)) % 3]
            + " a, int b";
      };
      String compact = kind.equals("recordValidates") ? "public X { if (b " + (r.nextBoolean()
          ? "< 0" : "> 1") + ") throw new IllegalArgumentException(\"b\"); } " : "";
      s2.put(pkg + ".X", head + "public record X(" + next + ") implements java.io.Serializable"
          + " { " + compact + "}\n");
      make = "new X(" + init + ", 2)";
    } else {
      // X keeps its serialVersionUID; the class of the object in its field changes.
      boolean resolve = kind.equals("nestedReadResolve");
      String x = head + "public class X implements java.io.Serializable {\n  private static"
          + " final long serialVersionUID = 1L;\n  public " + (resolve ? "Y" : "Object")
          + " inner = new Y();\n}\n";
      String suid = kind.equals("nestedFixed") || resolve
          ? "  private static final long serialVersionUID = 3L;\n" : "";
      s1.put(pkg + ".X", x);
      s1.put(pkg + ".Y", head + "public class Y implements java.io.Serializable {\n" + suid
          + "  int n = 1;\n}\n");
      s2.put(pkg + ".X", x);
      s2.put(pkg + ".Y", head + "public class Y implements java.io.Serializable {\n" + suid
          + "  int n = 1;\n" + (resolve ? "  private Object readResolve() { return "
          + (r.nextBoolean() ? "this" : "\"y\"") + "; }\n" : "  String added = \"y\";\n")
          + "}\n");
      make = "new X()";
    }
    Map<String, String> v1 = new LinkedHashMap<>(s1);
    v1.put(pkg + ".Make", head + "public class Make { public static Object make() { return "
        + make + "; } }\n");
    return new Case(id, kind, place, inJars, v1, s2, kind + " in " + place + "\n--- v1:\n"
        + String.join("", s1.values()) + "--- v2:\n" + String.join("", s2.values()), false);
  }
}
