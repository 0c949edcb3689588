package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a restart runs of the new build's own code while it reads an object, and what the new
 * class file alone decides. Each case's object is written by build 1 and judged by
 * {@code upgrade-check} against build 2, beside a real {@code ObjectInputStream} read that
 * resolves classes from build 2: never "would succeed" where the read fails, never "would
 * FAIL" where it succeeds.
 *
 * <ul>
 *   <li>Decided from the class file: a class made abstract ("unable to create instance"); a
 *       superclass gone from the hierarchy, or no longer serializable, whose data in the
 *       checkpoint the read skips (succeeds).
 *   <li>The application's code that would run ({@code readObject}, {@code readObjectNoData},
 *       {@code readExternal}, {@code readResolve}, a record's canonical constructor, the values
 *       of {@code serialPersistentFields}, which its static initializer sets): "cannot tell",
 *       naming it, unless the bytecode is trivial (a canonical constructor that only assigns
 *       its parameters to the fields).
 *   <li>Code of the platform (a {@code java.util.HashMap}'s {@code readObject}) is not the
 *       upgrade's change: the verdict stays decided.
 *   <li>A serialized method reference whose capturing class's {@code $deserializeLambda$} no
 *       longer recreates it (retargeted, or no longer serializable) fails, though the method
 *       it refers to is still there; so does a serialized lambda or method reference whose
 *       implementation method the new class only uses in one that is not serializable (a
 *       Scala function renamed by a non-serializable one added before it).
 *   <li>The application's static initializers the read runs are named beside the verdict,
 *       which they leave as it is: exactly those the real read runs, trivial ones left out.
 * </ul>
 */
class UpgradeCheckReadHooksTest {
  private static final String S = " implements java.io.Serializable {\n"
      + "  private static final long serialVersionUID = 1L;\n";
  /** A static initializer that records that it ran: upgrade-check must not run it. */
  private static final String CLINIT = "  static { System.setProperty(\"readhooks.clinit\","
      + " \"ran\"); }\n";
  private static final String READ_OBJECT = "  private void readObject(java.io.ObjectInputStream"
      + " in) throws java.io.IOException, ClassNotFoundException {\n    in.defaultReadObject();\n";

  @TempDir
  static Path tmp;
  static URLClassLoader v1;
  static URLClassLoader v2;

  @BeforeAll
  static void build() throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    Map<String, String> b = new LinkedHashMap<>();
    a.put("rh.Abs", "package rh; public class Abs" + S + " public int x = 1; }");
    b.put("rh.Abs", "package rh; public abstract class Abs" + S + " public int x = 1; }");

    a.put("rh.Spf", "package rh; public class Spf" + S + " public int x = 1; }");
    b.put("rh.Spf", "package rh; public class Spf" + S + " public int x = 1;\n"
        + "  private static final java.io.ObjectStreamField[] serialPersistentFields ="
        + " { new java.io.ObjectStreamField(\"x\", long.class) };\n" + CLINIT + "}");

    a.put("rh.ReadsMore", "package rh; public class ReadsMore" + S + " public int x = 1; }");
    b.put("rh.ReadsMore", "package rh; public class ReadsMore" + S + " public int x = 1;\n"
        + CLINIT + READ_OBJECT + "    in.readInt();\n  }\n}");

    a.put("rh.Validates", "package rh; public class Validates" + S + " public int x = 1; }");
    b.put("rh.Validates", "package rh; public class Validates" + S + " public int x = 1;"
        + " public String y = \"\";\n" + READ_OBJECT + "    if (y == null) throw new"
        + " java.io.InvalidObjectException(\"y null\");\n  }\n}");

    a.put("rh.NoData", "package rh; public class NoData extends NoDataBase implements"
        + " java.io.Serializable {\n  private static final long serialVersionUID = 1L; public int x = 1; }");
    a.put("rh.NoDataBase", "package rh; public class NoDataBase { }");
    b.put("rh.NoData", a.get("rh.NoData"));
    b.put("rh.NoDataBase", "package rh; public class NoDataBase" + S + "  private void"
        + " readObjectNoData() throws java.io.ObjectStreamException { throw new"
        + " java.io.InvalidObjectException(\"no data\"); }\n}");

    String ext = "package rh; public class Ext implements java.io.Externalizable {\n"
        + "  private static final long serialVersionUID = 1L;\n  public Ext() { }\n"
        + "  public void writeExternal(java.io.ObjectOutput o) throws java.io.IOException {"
        + " o.writeInt(1); %s }\n"
        + "  public void readExternal(java.io.ObjectInput i) throws java.io.IOException {"
        + " i.readInt(); %s }\n}";
    a.put("rh.Ext", ext.formatted("", ""));
    b.put("rh.Ext", ext.formatted("o.writeLong(2);", "i.readLong();"));

    a.put("rh.Rec", "package rh; public record Rec(int x, String s) implements"
        + " java.io.Serializable { public Rec() { this(-1, \"a\"); } }");
    b.put("rh.Rec", "package rh; public record Rec(int x, String s) implements"
        + " java.io.Serializable { public Rec { if (x < 0) throw new"
        + " IllegalArgumentException(\"neg\"); } public Rec() { this(1, \"a\"); } }");
    a.put("rh.PlainRec", "package rh; public record PlainRec(long x, String s, double d)"
        + " implements java.io.Serializable { public PlainRec() { this(-1, \"a\", 2.0); } }");
    b.put("rh.PlainRec", "package rh; public record PlainRec(long x, String s, double d)"
        + " implements java.io.Serializable { public PlainRec() { this(1, \"b\", 0); }"
        + " public long twice() { return 2 * x; } }");

    a.put("rh.Inner", "package rh; public class Inner" + S + " public int x = 1; }");
    b.put("rh.Inner", "package rh; public class Inner" + S + " public int x = 1;"
        + " private Object readResolve() { return \"s\"; } }");
    a.put("rh.Holder", "package rh; public class Holder" + S + " public Inner f = new Inner(); }");
    b.put("rh.Holder", a.get("rh.Holder"));

    a.put("rh.Base", "package rh; public class Base" + S + " public int b = 2; }");
    a.put("rh.Sub", "package rh; public class Sub extends Base {\n"
        + "  private static final long serialVersionUID = 1L; public int x = 1; }");
    b.put("rh.Sub", "package rh; public class Sub" + S + " public int x = 1; }");

    a.put("rh.Base2", "package rh; public class Base2" + S + " public int b = 2; }");
    a.put("rh.Sub2", "package rh; public class Sub2 extends Base2 {\n"
        + "  private static final long serialVersionUID = 1L; public int x = 1; }");
    b.put("rh.Base2", "package rh; public class Base2 { public int b = 2; }");
    b.put("rh.Sub2", "package rh; public class Sub2 extends Base2 implements"
        + " java.io.Serializable {\n  private static final long serialVersionUID = 1L;"
        + " public int x = 1; }");

    a.put("rh.Base3", "package rh; public class Base3" + S + " public int b = 2; }");
    a.put("rh.Sub3", "package rh; public class Sub3 extends Base3 {\n"
        + "  private static final long serialVersionUID = 1L; public int x = 1; }");
    b.put("rh.Base3", "package rh; public class Base3 { public int b = 2;"
        + " public Base3() { System.setProperty(\"readhooks.base3\", \"ran\"); } }");
    b.put("rh.Sub3", b.get("rh.Sub2").replace("Sub2", "Sub3").replace("Base2", "Base3"));

    String map = "package rh; public class Mapped" + S + " public java.util.HashMap<String,"
        + " Integer> m = new java.util.HashMap<>(java.util.Map.of(\"a\", 1)); %s }";
    a.put("rh.Mapped", map.formatted(""));
    b.put("rh.Mapped", map.formatted("public int size() { return m.size(); }"));

    // Serialized method references: the capturing class's $deserializeLambda$ recreates only
    // the lambdas whose implementation method handle it holds.
    String mref = "package rh; public class MRef" + S
        + " public java.util.function.Function<String, Integer> f = %s; }";
    String serializable = "(java.util.function.Function<String, Integer>"
        + " & java.io.Serializable) ";
    a.put("rh.MRef", mref.formatted(serializable + "String::length"));
    b.put("rh.MRef", mref.formatted(serializable + "s -> s.length()"));
    a.put("rh.MRefDropped", mref.replace("MRef", "MRefDropped")
        .formatted(serializable + "String::length"));
    b.put("rh.MRefDropped", mref.replace("MRef", "MRefDropped").formatted("String::length"));
    a.put("rh.MRefKept", mref.replace("MRef", "MRefKept")
        .formatted(serializable + "String::length"));
    b.put("rh.MRefKept", a.get("rh.MRefKept"));
    String own = "package rh; public class OwnRef" + S
        + " public java.util.function.Supplier<Integer> f ="
        + " (java.util.function.Supplier<Integer> & java.io.Serializable) OwnRef::%s;"
        + " static Integer one() { return 1; } static Integer two() { return 2; } }";
    a.put("rh.OwnRef", own.formatted("one"));
    b.put("rh.OwnRef", own.formatted("two"));
    a.put("rh.RefBase", "package rh; public class RefBase { public Integer base() { return 1; } }");
    b.put("rh.RefBase", a.get("rh.RefBase"));
    a.put("rh.InheritedRef", "package rh; public class InheritedRef extends RefBase" + S
        + " public java.util.function.Function<InheritedRef, Integer> f ="
        + " (java.util.function.Function<InheritedRef, Integer> & java.io.Serializable)"
        + " InheritedRef::base; }");
    b.put("rh.InheritedRef", a.get("rh.InheritedRef"));
    // The new MRefShadowed still holds a handle of String.length, from a method reference
    // that is not serializable: its $deserializeLambda$ recreates only s -> s.length().
    a.put("rh.MRefShadowed", mref.replace("MRef", "MRefShadowed")
        .formatted(serializable + "String::length"));
    b.put("rh.MRefShadowed", "package rh; public class MRefShadowed" + S
        + " public java.util.function.Function<String, Integer> f = " + serializable
        + "s -> s.length();\n  static Object plain() { java.util.function.Function<String,"
        + " Integer> g = String::length; return g; } }");

    // Static initializers a read runs (JVMS 5.5): of a serializable class whose
    // serialVersionUID it compares (declared: read from the static field; computed:
    // ObjectStreamClass.hasStaticInitializer initialises the class), of an instantiated class
    // with its superclasses and the superinterfaces that declare non-abstract methods, of an
    // enum whose constant it reads, of a lambda's capturing class ($deserializeLambda$). Each
    // of build 2's that is not trivial records that it ran (ran(name)): the real read must run
    // exactly those noted.
    a.put("rh.Clinit", "package rh; public class Clinit" + S + " public int x = 1; }");
    b.put("rh.Clinit", "package rh; public class Clinit" + S + " public int x = 1;"
        + ran("Clinit") + "}");
    a.put("rh.ConstClinit", "package rh; public class ConstClinit" + S + " public int x = 1; }");
    b.put("rh.ConstClinit", "package rh; public class ConstClinit" + S + " public int x = 1;\n"
        + " static int limit = 5; static String name = \"n\"; static long big = 1L << 40; }");
    a.put("rh.NsBase", "package rh; public class NsBase { public int b = 2; }");
    b.put("rh.NsBase", "package rh; public class NsBase { public int b = 2;" + ran("NsBase") + "}");
    a.put("rh.NsSub", "package rh; public class NsSub extends NsBase" + S + " public int x = 1; }");
    b.put("rh.NsSub", a.get("rh.NsSub"));
    a.put("rh.Color", "package rh; public enum Color { RED }");
    b.put("rh.Color", "package rh; public enum Color { RED;" + ran("Color") + "}");
    a.put("rh.HasColor", "package rh; public class HasColor" + S
        + " public Color c = Color.RED; }");
    b.put("rh.HasColor", a.get("rh.HasColor"));
    a.put("rh.Shade", "package rh; public enum Shade { LIGHT, DARK }");
    b.put("rh.Shade", "package rh; public enum Shade { LIGHT(1, \"l\"), DARK(2, \"d\"),"
        + " DIM(3, null); private final int level; final String tag; Shade(int level, String tag) {"
        + " this.level = level; this.tag = tag; } }");
    a.put("rh.HasShade", "package rh; public class HasShade" + S
        + " public Shade s = Shade.DARK; }");
    b.put("rh.HasShade", a.get("rh.HasShade"));
    b.put("rh.Greets", "package rh; public interface Greets { Object RAN ="
        + " System.setProperty(\"rh.clinit.rh.Greets\", \"ran\");"
        + " default int hi() { return 1; } }");
    b.put("rh.Quiet", "package rh; public interface Quiet { Object RAN ="
        + " System.setProperty(\"rh.clinit.rh.Quiet\", \"ran\"); }");
    a.put("rh.Greeter", "package rh; public class Greeter" + S + " public int x = 1; }");
    b.put("rh.Greeter", "package rh; public class Greeter implements Greets, Quiet,"
        + S.substring(" implements".length()) + " public int x = 1; }");
    String tagged = "package rh; public class %s implements java.io.Serializable { %s %s }";
    String suid = "private static final long serialVersionUID = 1L;";
    a.put("rh.Tagged", tagged.formatted("Tagged", suid, ""));
    b.put("rh.Tagged", tagged.formatted("Tagged", suid, ran("Tagged")));
    // (a computed serialVersionUID counts a static initializer: both builds have one)
    a.put("rh.Untagged", tagged.formatted("Untagged", "",
        "static { System.getProperty(\"rh\"); }"));
    b.put("rh.Untagged", tagged.formatted("Untagged", "", ran("Untagged")));
    a.put("rh.NotSer", "package rh; public class NotSer { }");
    b.put("rh.NotSer", "package rh; public class NotSer {" + ran("NotSer") + "}");
    a.put("rh.HasTag", "package rh; public class HasTag" + S + " public Class<?> t = Tagged.class;"
        + " public Class<?> u = Untagged.class; public Class<?> n = NotSer.class; }");
    b.put("rh.HasTag", a.get("rh.HasTag"));
    String maker = "package rh; public class FnMaker { %s public static java.util.function"
        + ".Supplier<Integer> make() { return (java.util.function.Supplier<Integer>"
        + " & java.io.Serializable) () -> 7; } }";
    a.put("rh.FnMaker", maker.formatted(""));
    b.put("rh.FnMaker", maker.formatted(ran("FnMaker")));
    a.put("rh.HoldsFn", "package rh; public class HoldsFn" + S + " public"
        + " java.util.function.Supplier<Integer> f = FnMaker.make(); }");
    b.put("rh.HoldsFn", a.get("rh.HoldsFn"));
    if (SCALA_OBJECT_PROXY) {
      // Scala 2.13 writes an object as a proxy naming its class (serializable: the read
      // compares its serialVersionUID), whose readResolve takes its MODULE$
      String module = "package rh; public final class Obj$ implements java.io.Serializable {"
          + " public static final Obj$ MODULE$ = new Obj$(); %s }";
      a.put("rh.Obj$", module.formatted(""));
      b.put("rh.Obj$", module.formatted(ran("Obj$")));
      a.put("rh.HoldsObj", "package rh; public class HoldsObj" + S + " public Object o ="
          + " new scala.runtime.ModuleSerializationProxy(Obj$.class); }");
      b.put("rh.HoldsObj", a.get("rh.HoldsObj"));
    }

    // A $deserializeLambda$ written by hand (neither javac's nor scalac's form): the read
    // runs it, whatever it does; here it returns a method reference that is not serializable.
    a.put("rh.HandDeserialized", mref.replace("MRef", "HandDeserialized")
        .formatted(serializable + "String::length"));
    b.put("rh.HandDeserialized", "package rh; public class HandDeserialized" + S
        + " public java.util.function.Function<String, Integer> f;\n  private static Object"
        + " $deserializeLambda$(java.lang.invoke.SerializedLambda l) {\n"
        + "    java.util.function.Function<String, Integer> g = String::length; return g; } }");
    // Scala functions: scalac names them $anonfun$<member>$<n> in source order, serializable
    // or not; the capturing class's $deserializeLambda$ (scala.runtime.LambdaDeserialize)
    // recreates only those among its bootstrap arguments. In the new ScalaFnShadowed a
    // non-serializable IntSupplier comes first and takes the name and descriptor
    // ($anonfun$f$1()I) of the serialized function, which becomes $anonfun$f$2.
    String fn = "package rh\n@SerialVersionUID(1L) class %s extends Serializable {\n"
        + "  val f: () => Int = {\n%s    () => 1\n  }\n}\n";
    String shadow = "    val s: java.util.function.IntSupplier = () => 2\n    s.getAsInt\n";
    Map<String, String> scalaA = new LinkedHashMap<>();
    Map<String, String> scalaB = new LinkedHashMap<>();
    scalaA.put("rh.ScalaFnShadowed", fn.formatted("ScalaFnShadowed", ""));
    scalaB.put("rh.ScalaFnShadowed", fn.formatted("ScalaFnShadowed", shadow));
    scalaA.put("rh.ScalaFnKept", fn.formatted("ScalaFnKept", shadow));
    scalaB.put("rh.ScalaFnKept", scalaA.get("rh.ScalaFnKept"));

    ClassLoader parent = UpgradeCheckReadHooksTest.class.getClassLoader();
    v1 = new URLClassLoader(new URL[] {AppBuilds.compile(tmp, "v1", a).toUri().toURL(),
        AppBuilds.compileScala(tmp, "v1", scalaA).toUri().toURL()}, parent);
    v2 = new URLClassLoader(new URL[] {AppBuilds.compile(tmp, "v2", b).toUri().toURL(),
        AppBuilds.compileScala(tmp, "v2", scalaB).toUri().toURL()}, parent);
  }

  /** Whether the Scala library writes objects as {@code ModuleSerializationProxy} (2.13). */
  private static final boolean SCALA_OBJECT_PROXY = UpgradeCheckReadHooksTest.class
      .getClassLoader().getResource("scala/runtime/ModuleSerializationProxy.class") != null;

  /** A static initializer that records that it ran, as {@code rh.clinit.rh.<name>}. */
  private static String ran(String name) {
    return " static { System.setProperty(\"rh.clinit.rh." + name + "\", \"ran\"); } ";
  }

  /** The classes whose recording static initializer ({@link #ran}) ran, clearing the record. */
  private static List<String> initialised() {
    List<String> out = System.getProperties().stringPropertyNames().stream()
        .filter(k -> k.startsWith("rh.clinit.")).map(k -> k.substring("rh.clinit.".length()))
        .sorted().toList();
    out.forEach(n -> System.clearProperty("rh.clinit." + n));
    return out;
  }

  @AfterAll
  static void close() throws IOException {
    v1.close();
    v2.close();
  }

  /**
   * upgrade-check's verdicts and noted static initializers on build 1's {@code rh.<name>}
   * object, the real read's outcome and the recording static initializers it ran.
   */
  private record Judged(List<UpgradeCheckCommand.Verdict> verdicts,
      List<String> staticInitializers, Throwable real, List<String> initialised) {
    String overall() {
      return verdicts.stream().anyMatch(UpgradeCheckCommand.Verdict::fails) ? "would FAIL"
          : verdicts.stream().anyMatch(v -> v.status().equals("unchecked")) ? "cannot tell"
          : "would succeed";
    }

    String reasons() {
      return verdicts.stream().filter(v -> !v.status().equals("ok"))
          .map(v -> v.className() + ": " + v.exception() + " " + v.reason())
          .collect(Collectors.joining("\n"));
    }

    /** The product's rule, and the expected verdict. */
    Judged is(String expected) {
      String seen = overall() + " (real read: " + (real == null ? "succeeds" : real) + ")\n"
          + reasons();
      assertEquals(expected, overall(), seen);
      if (expected.equals("would succeed")) {
        assertNull(real, seen);
      }
      if (expected.equals("would FAIL")) {
        assertNotNull(real, seen);
      }
      return this;
    }

    /**
     * upgrade-check notes exactly {@code classes} as the static initializers the read runs, and
     * the real read ran every recording one among them ({@code ran}) and no other.
     */
    Judged notes(String... classes) {
      assertEquals(List.of(classes), staticInitializers, "noted; the real read ran "
          + initialised);
      assertEquals(List.of(classes).stream().sorted().toList(), initialised,
          "the real read's static initializers");
      return this;
    }
  }

  private static Judged judge(String name) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      var k = Class.forName("rh." + name, true, v1).getDeclaredConstructor();
      k.setAccessible(true);
      out.writeObject(k.newInstance());
    }
    SerialStream stream = new SerialStream(new ByteArrayInputStream(bytes.toByteArray()));
    Object root = stream.readTopLevel();
    SerializedClasses classes = new SerializedClasses();
    classes.add(root, stream.drainDescriptors(), "test");
    System.clearProperty("readhooks.clinit");
    System.clearProperty("readhooks.base3");
    initialised();
    List<UpgradeCheckCommand.Verdict> verdicts = UpgradeCheckCommand.check(classes, v2);
    List<String> staticInitializers = UpgradeCheckCommand.staticInitializers(classes, v2);
    assertNull(System.getProperty("readhooks.clinit"), "upgrade-check ran a static initializer");
    assertEquals(List.of(), initialised(), "upgrade-check ran a static initializer");
    assertNull(System.getProperty("readhooks.base3"), "upgrade-check ran a constructor");
    Throwable real = null;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(
        bytes.toByteArray())) {
      @Override
      protected Class<?> resolveClass(ObjectStreamClass d) throws ClassNotFoundException {
        return Class.forName(d.getName(), false, v2);
      }
    }) {
      in.readObject();
    } catch (Exception e) {
      real = e;
    }
    return new Judged(verdicts, staticInitializers, real, initialised());
  }

  @Test
  void aClassMadeAbstractCannotBeInstantiated() throws Exception {
    Judged j = judge("Abs").is("would FAIL");
    assertTrue(j.reasons().contains("unable to create instance"), j.reasons());
    assertTrue(j.reasons().contains("abstract"), j.reasons());
  }

  @Test
  void serialPersistentFieldsAreSetByCodeThatMustNotRun() throws Exception {
    Judged j = judge("Spf").is("cannot tell");
    assertTrue(j.reasons().contains("serialPersistentFields"), j.reasons());
  }

  @Test
  void aNewReadObjectIsTheApplicationsCodeRunningOnRead() throws Exception {
    assertTrue(judge("ReadsMore").is("cannot tell").reasons().contains("readObject"));
    assertTrue(judge("Validates").is("cannot tell").reasons().contains("readObject"));
  }

  @Test
  void aSuperclassMadeSerializableWithReadObjectNoDataRunsIt() throws Exception {
    Judged j = judge("NoData").is("cannot tell");
    assertTrue(j.reasons().contains("readObjectNoData"), j.reasons());
  }

  @Test
  void readExternalIsTheApplicationsCode() throws Exception {
    assertTrue(judge("Ext").is("cannot tell").reasons().contains("readExternal"));
  }

  @Test
  void aRecordsCanonicalConstructorRunsOnRead() throws Exception {
    assertTrue(judge("Rec").is("cannot tell").reasons().contains("canonical constructor"));
    // One that only assigns its parameters (javac's implicit one) cannot fail.
    judge("PlainRec").is("would succeed");
  }

  @Test
  void aFieldsClassGainingReadResolveIsNotCalledCompatible() throws Exception {
    assertTrue(judge("Holder").is("cannot tell").reasons().contains("readResolve"));
  }

  @Test
  void aSuperclassGoneFromTheHierarchyIsSkipped() throws Exception {
    judge("Sub").is("would succeed");
  }

  @Test
  void aSuperclassNoLongerSerializableIsSkippedAndItsNoArgConstructorRuns() throws Exception {
    // Base2's constructor only assigns a constant to its field: decided.
    judge("Sub2").is("would succeed");
    // Base3's calls a method: it is the application's code that runs.
    Judged j = judge("Sub3").is("cannot tell");
    assertTrue(j.reasons().contains("rh.Base3()"), j.reasons());
  }

  @Test
  void thePlatformsReadObjectIsNotTheUpgradesChange() throws Exception {
    judge("Mapped").is("would succeed");
  }

  @Test
  void aSerializedMethodReferenceNeedsItsCapturingClassToRecreateIt() throws Exception {
    // String.length is still there, but the new MRef's $deserializeLambda$ only recreates
    // its lambda s -> s.length(); MRefDropped's reference is no longer serializable.
    Judged j = judge("MRef").is("would FAIL");
    assertTrue(j.reasons().contains("does not recreate a lambda implemented by"
        + " java.lang.String.length()I"), j.reasons());
    j = judge("MRefDropped").is("would FAIL");
    assertTrue(j.reasons().contains("has no $deserializeLambda$"), j.reasons());
    assertTrue(judge("OwnRef").is("would FAIL").reasons().contains("rh.OwnRef.one()"));
    judge("MRefKept").is("would succeed");
    judge("InheritedRef").is("would succeed");
  }

  /**
   * Review: a handle of the serialized lambda's implementation method anywhere in the new
   * capturing class's constant pool was taken for "its $deserializeLambda$ recreates it"; a
   * lambda or method reference that is not serializable holds such a handle too, and then the
   * read fails with "Invalid lambda deserialization" where upgrade-check said it would succeed.
   */
  @Test
  void aNonSerializableMethodReferenceToTheSameMethodDoesNotRecreateTheSerializedOne()
      throws Exception {
    Judged j = judge("MRefShadowed").is("would FAIL");
    assertTrue(j.reasons().contains("does not recreate a lambda implemented by"
        + " java.lang.String.length()I"), j.reasons());
  }

  /** A {@code $deserializeLambda$} of a form no compiler generates is the application's code. */
  @Test
  void aHandWrittenDeserializeLambdaCannotBeJudged() throws Exception {
    Judged j = judge("HandDeserialized").is("cannot tell");
    assertTrue(j.reasons().contains("neither javac's nor scalac's"), j.reasons());
  }

  /** The same, for a Scala function renamed by a non-serializable one added before it. */
  @Test
  void aNonSerializableScalaFunctionWithTheSerializedOnesNameDoesNotRecreateIt()
      throws Exception {
    Judged j = judge("ScalaFnShadowed").is("would FAIL");
    assertTrue(j.reasons().contains("does not recreate a lambda implemented by"
        + " rh.ScalaFnShadowed.$anonfun$f$1()I"), j.reasons());
    judge("ScalaFnKept").is("would succeed");
  }

  @Test
  void theStaticInitializersAReadRunsAreNotedAndLeaveTheVerdict() throws Exception {
    judge("Clinit").is("would succeed").notes("rh.Clinit");
    judge("NsSub").is("would succeed").notes("rh.NsBase");
    judge("HasColor").is("would succeed").notes("rh.Color");
    // a superinterface is initialised only when it declares a non-abstract method
    judge("Greeter").is("would succeed").notes("rh.Greets");
    // a Class object: initialised when serializable, whose serialVersionUID is compared
    judge("HasTag").is("would succeed").notes("rh.Tagged", "rh.Untagged");
    judge("HoldsFn").is("would succeed").notes("rh.FnMaker");
    if (SCALA_OBJECT_PROXY) {
      judge("HoldsObj").is("would succeed").notes("rh.Obj$");
    }
    // only constants into its own static fields, javac's enum: trivial, not noted
    judge("ConstClinit").is("would succeed").notes();
    judge("HasShade").is("would succeed").notes();
    // the platform's (a HashMap's) are not the application's
    judge("Mapped").is("would succeed").notes();
  }
}
