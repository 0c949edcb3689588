package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A field whose value the checkpoint holds as a serialization proxy or a Scala object (a class
 * with {@code readResolve}: {@code List.of}'s {@code CollSer}, a serialized lambda, Scala's
 * {@code None} (2.12: {@code None$} itself, 2.13: a {@code ModuleSerializationProxy})), and
 * whose type changed in the new build while its class kept its {@code serialVersionUID}: Java
 * serialization assigns what {@code readResolve} returns, so the field's new type must hold
 * that, not the proxy. Each verdict is set beside a real {@code ObjectInputStream} read with the
 * new build: never "ok" where the read fails.
 */
class UpgradeCheckReadResolveTest {
  private static final String HEAD = "package rr;\npublic class %s implements"
      + " java.io.Serializable {\n  private static final long serialVersionUID = 1L;\n";

  private static final String LIST = "java.util.List<String> f = java.util.List.of(\"a\")";

  @TempDir
  static Path tmp;
  static URLClassLoader v1;
  static URLClassLoader v2;

  private static String holder(String name, String field) {
    return HEAD.formatted(name) + "  public " + field + ";\n}\n";
  }

  @BeforeAll
  static void build() throws Exception {
    Path c1 = AppBuilds.compile(tmp, "v1", Map.of(
        "rr.ListRetyped", holder("ListRetyped", LIST),
        "rr.ListWidened", holder("ListWidened", LIST),
        "rr.NoneRetyped", holder("NoneRetyped", "scala.Option<Object> f = scala.Option.empty()"),
        "rr.NoneWidened", holder("NoneWidened", "scala.Option<Object> f = scala.Option.empty()"),
        "rr.LambdaKept", holder("LambdaKept", "java.util.function.Supplier<Integer> f ="
            + " (java.util.function.Supplier<Integer> & java.io.Serializable) () -> 1")));
    Path c2 = AppBuilds.compile(tmp, "v2", Map.of(
        "rr.ListRetyped", holder("ListRetyped", "java.util.ArrayList<String> f"),
        "rr.ListWidened", holder("ListWidened", "java.util.Collection<String> f"),
        "rr.NoneRetyped", holder("NoneRetyped", "java.util.Set<Object> f"),
        "rr.NoneWidened", holder("NoneWidened", "scala.Product f"),
        "rr.LambdaKept", holder("LambdaKept", "java.util.function.Supplier<Integer> f ="
            + " (java.util.function.Supplier<Integer> & java.io.Serializable) () -> 1")));
    ClassLoader parent = UpgradeCheckReadResolveTest.class.getClassLoader();
    v1 = new URLClassLoader(new URL[] {c1.toUri().toURL()}, parent);
    v2 = new URLClassLoader(new URL[] {c2.toUri().toURL()}, parent);
  }

  @AfterAll
  static void close() throws IOException {
    v1.close();
    v2.close();
  }

  /** upgrade-check's verdict on class {@code name}, and the real read's failure (or null). */
  private static Object[] judge(String name) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(Class.forName("rr." + name, true, v1).getConstructor().newInstance());
    }
    SerialStream stream = new SerialStream(new ByteArrayInputStream(bytes.toByteArray()));
    Object root = stream.readTopLevel();
    SerializedClasses classes = new SerializedClasses();
    classes.add(root, stream.drainDescriptors(), "test");
    UpgradeCheckCommand.Verdict verdict = UpgradeCheckCommand.check(classes, v2).stream()
        .filter(v -> v.className().equals("rr." + name)).findFirst().orElseThrow();
    Throwable real = null;
    try (ObjectInputStream in = new LoaderInput(new ByteArrayInputStream(bytes.toByteArray()),
        v2)) {
      in.readObject();
    } catch (Exception e) {
      real = e;
    }
    return new Object[] {verdict, real};
  }

  @Test
  void aProxiedListInAFieldRetypedToAnotherCollectionIsNotCalledCompatible() throws Exception {
    Object[] r = judge("ListRetyped");
    UpgradeCheckCommand.Verdict v = (UpgradeCheckCommand.Verdict) r[0];
    assertTrue(r[1] instanceof ClassCastException, "the real read: " + r[1]);
    assertNotEquals("ok", v.status(), v.toString());
    assertEquals("unchecked", v.status(), v.toString());
  }

  @Test
  void aProxiedListInAFieldWidenedToASupertypeIsCompatible() throws Exception {
    Object[] r = judge("ListWidened");
    assertNull(r[1]);
    assertEquals("ok", ((UpgradeCheckCommand.Verdict) r[0]).status(), r[0].toString());
  }

  @Test
  void scalasNoneInAFieldRetypedToASetFails() throws Exception {
    Object[] r = judge("NoneRetyped");
    UpgradeCheckCommand.Verdict v = (UpgradeCheckCommand.Verdict) r[0];
    assertTrue(r[1] instanceof ClassCastException, "the real read: " + r[1]);
    assertEquals("incompatible", v.status(), v.toString());
    assertEquals("ClassCastException", v.exception(), v.toString());
    assertTrue(v.reason().contains("scala.None$"), v.reason());
  }

  @Test
  void scalasNoneInAFieldWidenedToProductIsCompatible() throws Exception {
    Object[] r = judge("NoneWidened");
    assertNull(r[1]);
    assertEquals("ok", ((UpgradeCheckCommand.Verdict) r[0]).status(), r[0].toString());
  }

  @Test
  void aLambdaInAFieldOfTheSameTypeIsCompatible() throws Exception {
    Object[] r = judge("LambdaKept");
    assertNull(r[1]);
    assertEquals("ok", ((UpgradeCheckCommand.Verdict) r[0]).status(), r[0].toString());
  }

  /** An ObjectInputStream that loads classes as a restarted driver would: the new build first. */
  private static final class LoaderInput extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderInput(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws ClassNotFoundException {
      return Class.forName(desc.getName(), false, loader);
    }
  }
}
