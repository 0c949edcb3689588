package io.checkpointplus.spark.inspector;

import io.checkpointplus.spark.inspector.ClassEvolutions.Case;
import io.checkpointplus.spark.inspector.ClassEvolutions.Place;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The Scala part of {@link ClassEvolutions}: evolutions of Scala case classes, case objects and
 * Scala functions, as Scala source for the real Scala compiler of the test's Scala version
 * ({@link AppBuilds#compileScala}). A case class (top level or nested in an object) gains,
 * loses or retypes a constructor parameter or a body field (a {@code val}, {@code var},
 * {@code lazy val} or {@code @transient val}), makes one {@code @transient} (or no longer),
 * gains a method, a companion object with a method, or a trait, with and without
 * {@code @SerialVersionUID}, or has its {@code @SerialVersionUID} added, changed or removed, becomes a plain class, or is
 * removed; its fields hold Scala values (options, lists, vectors, maps, sets, tuples, arrays).
 * A case object gains a method, becomes a case class or is removed. A Scala function
 * ({@code (x: Int) => x + 1}, kept in an object, serializable or not) is renumbered by a
 * function added before it (a non-serializable one taking its name included), gets a function added in another method, captures a value or
 * changes its body. A case class holds another whose fields change. Each case is in package
 * {@code c<id>} with {@code object Make { def make(): Object }}, whose static forwarder is the
 * {@code Make.make()} the test calls.
 */
final class ScalaEvolutions {
  static final String[] KINDS = {"scalaSame", "scalaAddField", "scalaRemoveField",
      "scalaRetypeField", "scalaTransientField", "scalaAddMethod", "scalaCompanionMethod",
      "scalaAddTrait", "scalaSuidChanged", "scalaPlainClass", "scalaRemoved",
      "scalaObjectSame", "scalaObjectMethod", "scalaObjectRemoved", "scalaObjectToClass",
      "scalaLambdaSame", "scalaLambdaBefore", "scalaLambdaAfter", "scalaLambdaCapture",
      "scalaLambdaBody", "scalaLambdaShadowed", "scalaInnerChanged", "scalaInnerFixed"};

  /** Scala types and a value of each (what the checkpoint's object holds). */
  private static final String[][] TYPES = {
      {"Int", "7"}, {"Long", "7L"}, {"Double", "1.5"}, {"Boolean", "true"}, {"String", "\"s\""},
      {"String", "null"}, {"Option[Int]", "Some(4)"}, {"Option[Int]", "None"},
      {"List[Int]", "List(1, 2)"}, {"Vector[Int]", "Vector(1)"}, {"Seq[Int]", "Seq(1)"},
      {"Map[String, Int]", "Map(\"a\" -> 1)"}, {"Set[Int]", "Set(1)"},
      {"(Int, String)", "(1, \"t\")"}, {"Array[Int]", "Array(1, 2)"}, {"Any", "\"o\""}};

  private ScalaEvolutions() {
  }

  /** A constructor parameter or body field: {@code mods} is what precedes the name. */
  private static final class Member {
    String mods;
    String type;
    String value;
    final String name;

    Member(String mods, String type, String value, String name) {
      this.mods = mods;
      this.type = type;
      this.value = value;
      this.name = name;
    }

    Member copy() {
      return new Member(mods, type, value, name);
    }

    /** As a parameter; {@code val} (a plain class's) after any annotation. */
    String param(String val) {
      return mods + val + name + ": " + type + " = " + value;
    }

    String body() {
      return "  " + mods + name + ": " + type + " = " + value + "\n";
    }
  }

  /** A case class (or plain class), its annotation, members, trait and companion. */
  private static final class Shape {
    Long suid;
    boolean plain;
    final List<Member> params = new ArrayList<>();
    final List<Member> body = new ArrayList<>();
    String methods = "";
    String trait; // null, or the trait's body
    String companion; // null, or the companion object's body

    Shape copy() {
      Shape s = new Shape();
      s.suid = suid;
      s.plain = plain;
      params.forEach(p -> s.params.add(p.copy()));
      body.forEach(b -> s.body.add(b.copy()));
      s.methods = methods;
      s.trait = trait;
      s.companion = companion;
      return s;
    }

    String render() {
      StringBuilder sb = new StringBuilder();
      if (trait != null) {
        sb.append("trait T extends Serializable {\n").append(trait).append("}\n");
      }
      if (suid != null) {
        sb.append("@SerialVersionUID(").append(suid).append("L) ");
      }
      sb.append(plain ? "class X(" : "case class X(");
      for (int i = 0; i < params.size(); i++) {
        sb.append(i == 0 ? "" : ", ").append(params.get(i).param(plain ? "val " : ""));
      }
      sb.append(")");
      if (plain) {
        sb.append(" extends Serializable").append(trait != null ? " with T" : "");
      } else if (trait != null) {
        sb.append(" extends T");
      }
      sb.append(" {\n");
      body.forEach(b -> sb.append(b.body()));
      sb.append(methods).append("}\n");
      if (companion != null) {
        sb.append("object X {\n").append(companion).append("}\n");
      }
      return sb.toString();
    }
  }

  static Case generate(int id, String kind, Place place, boolean inJars, Random r) {
    String pkg = "c" + id;
    boolean nested = r.nextInt(3) == 0;
    String v1;
    String v2;
    String make;
    if (kind.startsWith("scalaObject")) {
      String suid = r.nextBoolean() ? "@SerialVersionUID(" + r.nextInt(3) + "L) " : "";
      v1 = suid + "case object X {\n  def size: Int = 1\n}\n";
      v2 = switch (kind) {
        case "scalaObjectSame" -> v1;
        case "scalaObjectMethod" -> suid + "case object X {\n  def size: Int = 1\n"
            + "  def limit: Int = 10\n}\n";
        case "scalaObjectToClass" -> suid + "case class X() {\n  def size: Int = 1\n}\n";
        case "scalaObjectRemoved" -> null;
        default -> throw new IllegalArgumentException(kind);
      };
      make = "X";
    } else if (kind.startsWith("scalaLambda")) {
      nested = false; // the function's code is in the object X
      String holder = r.nextBoolean() ? "object X extends Serializable" : "object X";
      String target = "(x: Int) => x + 1";
      String before = "";
      String after = "";
      String body = target;
      switch (kind) {
        case "scalaLambdaSame" -> { }
        case "scalaLambdaBefore" -> before = "    val first = (s: String) => s.length\n"
            + "    first(\"\")\n";
        case "scalaLambdaAfter" -> after = "  def later(): AnyRef = (s: String) => s.length\n";
        case "scalaLambdaCapture" -> {
          before = "    val k = " + (2 + r.nextInt(3)) + "\n";
          body = "(x: Int) => x + k";
        }
        case "scalaLambdaBody" -> body = "(x: Int) => x + 2";
        // not serializable, first: it takes the serialized function's name and descriptor
        case "scalaLambdaShadowed" -> before = "    val first: java.util.function.IntUnaryOperator"
            + " = (x: Int) => x + 1\n    first.applyAsInt(0)\n";
        default -> throw new IllegalArgumentException(kind);
      }
      v1 = holder + " {\n  def lambda(): AnyRef = {\n    " + target + "\n  }\n}\n";
      v2 = holder + " {\n  def lambda(): AnyRef = {\n" + before + "    " + body + "\n  }\n"
          + after + "}\n";
      make = "X.lambda()";
    } else if (kind.startsWith("scalaInner")) {
      String x = "@SerialVersionUID(1L) case class X(inner: Any = Y())\n";
      String suid = kind.equals("scalaInnerFixed") ? "@SerialVersionUID(3L) " : "";
      v1 = x + suid + "case class Y(n: Int = 1)\n";
      v2 = x + suid + "case class Y(n: Int = 1, added: String = \"y\")\n";
      make = "X()";
    } else {
      Shape s1 = new Shape();
      s1.suid = r.nextBoolean() ? (long) r.nextInt(5) : null;
      int n = 1 + r.nextInt(3);
      for (int i = 0; i < n; i++) {
        String[] t = TYPES[r.nextInt(TYPES.length)];
        s1.params.add(new Member("", t[0], t[1], "f" + i));
      }
      if (r.nextInt(3) == 0) {
        String[] t = TYPES[r.nextInt(TYPES.length)];
        s1.body.add(new Member(bodyMods(r), t[0], t[1], "b"));
      }
      Shape s2 = s1.copy();
      List<Member> all = new ArrayList<>(s2.params);
      all.addAll(s2.body);
      Member some = all.get(r.nextInt(all.size()));
      String[] t = TYPES[r.nextInt(TYPES.length)];
      switch (kind) {
        case "scalaSame" -> { }
        case "scalaAddField" -> {
          if (r.nextBoolean()) {
            s2.params.add(new Member("", t[0], t[1], "g"));
          } else {
            s2.body.add(new Member(bodyMods(r), t[0], t[1], "g"));
          }
        }
        case "scalaRemoveField" -> {
          s2.params.remove(some);
          s2.body.remove(some);
        }
        case "scalaRetypeField" -> {
          some.type = t[0];
          some.value = t[1];
        }
        case "scalaTransientField" -> some.mods = some.mods.startsWith("@transient ")
            ? some.mods.substring("@transient ".length()) : "@transient " + some.mods;
        case "scalaAddMethod" -> s2.methods = "  def size: Int = 1\n";
        case "scalaCompanionMethod" -> s2.companion = "  def helper: Int = 1\n";
        case "scalaAddTrait" -> s2.trait = r.nextBoolean() ? "  def t: Int = 1\n"
            : "  val t: Int = 1\n";
        case "scalaSuidChanged" -> s2.suid = s1.suid == null ? Long.valueOf(r.nextInt(5))
            : r.nextBoolean() ? null : Long.valueOf(s1.suid + 1);
        case "scalaPlainClass" -> s2.plain = true;
        case "scalaRemoved" -> { }
        default -> throw new IllegalArgumentException(kind);
      }
      v1 = s1.render();
      v2 = kind.equals("scalaRemoved") ? null : s2.render();
      make = "X()";
    }
    String head = "package " + pkg + "\n";
    Map<String, String> s1 = new LinkedHashMap<>();
    s1.put(pkg + ".X", head + (nested ? inObject(v1) : v1));
    s1.put(pkg + ".Make", head + "object Make { def make(): Object = " + (nested ? "O." : "") + make
        + " }\n");
    Map<String, String> s2 = v2 == null ? Map.of() : Map.of(pkg + ".X", head
        + (nested ? inObject(v2) : v2));
    return new Case(id, kind, place, inJars, s1, s2, kind + " in " + place
        + (inJars ? " (new class only in --jars)" : "") + "\n--- v1:\n" + s1.get(pkg + ".X")
        + "--- v2:\n" + (v2 == null ? "(none)\n" : s2.get(pkg + ".X")), true);
  }

  private static String bodyMods(Random r) {
    return new String[] {"val ", "var ", "lazy val ", "@transient val "}[r.nextInt(4)];
  }

  /** The definitions nested in {@code object O} (a case class nested in an object). */
  private static String inObject(String defs) {
    return "object O {\n" + defs.indent(2) + "}\n";
  }
}
