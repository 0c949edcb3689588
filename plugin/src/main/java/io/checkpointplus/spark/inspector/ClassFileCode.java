package io.checkpointplus.spark.inspector;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The bytecode of a class's methods, read from its class file (JVMS chapter 4), to tell without
 * running it whether a method the application declares is trivial: a constructor that only
 * calls its superclass's no-arg constructor and assigns constants or its parameters to the
 * class's own fields (javac's implicit record constructor, {@code Base() { }}, field
 * initialisers such as {@code int b = 2}), or a Scala object's {@code readResolve} that returns
 * its {@code MODULE$}, or a static initializer that only stores constants into the class's own
 * static fields. Anything else (a branch, a call, an array, a cast, a constant that loads a
 * class or runs a bootstrap method) is not trivial: only running it would tell what it does.
 * Also what a {@code $deserializeLambda$} can recreate: the methods declared and the method
 * handles of the constant pool.
 */
final class ClassFileCode {
  private final String thisClass;
  private final String superClass;
  private final int[] tag;
  private final int[] first; // Class: name; NameAndType: name; refs: class; MethodHandle: ref
  private final int[] second; // NameAndType: descriptor; refs: name and type
  private final String[] utf8;
  /** Method name + descriptor → its Code attribute's bytecode. */
  private final Map<String, byte[]> code = new HashMap<>();
  /** Method name + descriptor of every method declared (abstract and native ones too). */
  private final Set<String> declaredMethods = new HashSet<>();

  private ClassFileCode(byte[] bytes) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort();
    in.readUnsignedShort();
    int count = in.readUnsignedShort();
    tag = new int[count];
    first = new int[count];
    second = new int[count];
    utf8 = new String[count];
    for (int i = 1; i < count; i++) {
      int t = in.readUnsignedByte();
      tag[i] = t;
      switch (t) {
        case 1 -> utf8[i] = in.readUTF();
        case 3, 4 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++;
        }
        case 7, 8, 16, 19, 20 -> first[i] = in.readUnsignedShort();
        case 9, 10, 11, 12, 17, 18 -> {
          first[i] = in.readUnsignedShort();
          second[i] = in.readUnsignedShort();
        }
        case 15 -> {
          in.readUnsignedByte(); // reference kind
          first[i] = in.readUnsignedShort();
        }
        default -> throw new IOException("unknown constant pool tag " + t + " at " + i);
      }
    }
    in.readUnsignedShort();
    thisClass = className(in.readUnsignedShort());
    int sup = in.readUnsignedShort();
    superClass = sup == 0 ? null : className(sup);
    int interfaces = in.readUnsignedShort();
    in.skipNBytes(2L * interfaces);
    int fields = in.readUnsignedShort();
    for (int i = 0; i < fields; i++) {
      in.skipNBytes(6);
      skipAttributes(in);
    }
    int methods = in.readUnsignedShort();
    for (int i = 0; i < methods; i++) {
      in.readUnsignedShort();
      String name = utf8[in.readUnsignedShort()];
      String descriptor = utf8[in.readUnsignedShort()];
      declaredMethods.add(name + descriptor);
      int attributes = in.readUnsignedShort();
      for (int a = 0; a < attributes; a++) {
        String attr = utf8[in.readUnsignedShort()];
        int len = in.readInt();
        if ("Code".equals(attr)) {
          in.readUnsignedShort(); // max_stack
          in.readUnsignedShort(); // max_locals
          byte[] body = new byte[in.readInt()];
          in.readFully(body);
          code.put(name + descriptor, body);
          in.skipNBytes(len - 8L - body.length);
        } else {
          in.skipNBytes(len);
        }
      }
    }
  }

  private static void skipAttributes(DataInputStream in) throws IOException {
    int attributes = in.readUnsignedShort();
    for (int a = 0; a < attributes; a++) {
      in.readUnsignedShort();
      in.skipNBytes(in.readInt());
    }
  }

  /** The class file of {@code cl}, from its own loader; null when it cannot be read. */
  static ClassFileCode of(Class<?> cl) {
    String resource = cl.getName().replace('.', '/') + ".class";
    ClassLoader from = cl.getClassLoader();
    try (InputStream in = from != null ? from.getResourceAsStream(resource)
        : ClassLoader.getSystemResourceAsStream(resource)) {
      return in == null ? null : new ClassFileCode(in.readAllBytes());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private String className(int index) {
    return utf8[first[index]];
  }

  /** A field or method reference: owner, name, descriptor. */
  private String[] ref(int index) {
    int nat = second[index];
    return new String[] {className(first[index]), utf8[first[nat]], utf8[second[nat]]};
  }

  /** The internal name of the superclass ({@code java/lang/Object}); null for Object. */
  String superClass() {
    return superClass;
  }

  /**
   * Whether constructor {@code descriptor} is trivial: its code is loads of its parameters and
   * constants ({@code null}, numbers, strings), stores into this class's own fields, and one
   * call of the superclass's no-arg constructor, whose own triviality the caller judges (it
   * is another class). None of these can throw or reach other code.
   */
  boolean trivialConstructor(String descriptor) {
    return trivialConstructor(descriptor, "()V");
  }

  /**
   * {@link #trivialConstructor(String)}, calling the superclass's constructor
   * {@code superDescriptor} ({@code (Ljava/lang/String;I)V}: an enum's, {@code Enum}'s).
   */
  private boolean trivialConstructor(String descriptor, String superDescriptor) {
    byte[] c = code.get("<init>" + descriptor);
    if (c == null) {
      return false;
    }
    boolean calledSuper = false;
    int pc = 0;
    while (pc < c.length) {
      int op = c[pc] & 0xFF;
      if (op == 0xB1) { // return
        return calledSuper && pc == c.length - 1;
      }
      if (op == 0x00 || op >= 0x01 && op <= 0x0F || op >= 0x1A && op <= 0x2D) {
        pc += 1; // nop, constants, xload_n
      } else if (op == 0x10 || op >= 0x15 && op <= 0x19) {
        pc += 2; // bipush, xload n
      } else if (op == 0x11) {
        pc += 3; // sipush
      } else if (op == 0x12 || op == 0x13 || op == 0x14) {
        int index = op == 0x12 ? c[pc + 1] & 0xFF : u2(c, pc + 1);
        int t = tag[index];
        if (t != 3 && t != 4 && t != 5 && t != 6 && t != 8) {
          return false; // a class, method handle or dynamic constant: loads or runs code
        }
        pc += op == 0x12 ? 2 : 3;
      } else if (op == 0xB5) { // putfield: only this class's own fields
        if (tag[u2(c, pc + 1)] != 9 || !ref(u2(c, pc + 1))[0].equals(thisClass)) {
          return false;
        }
        pc += 3;
      } else if (op == 0xB7 && !calledSuper) { // invokespecial: super() once
        int index = u2(c, pc + 1);
        if (tag[index] != 10) {
          return false;
        }
        String[] m = ref(index);
        if (!m[0].equals(superClass) || !m[1].equals("<init>") || !m[2].equals(superDescriptor)) {
          return false;
        }
        calledSuper = true;
        pc += 3;
      } else {
        return false;
      }
    }
    return false;
  }

  /** Whether the class declares method {@code name} with {@code descriptor}. */
  boolean declares(String name, String descriptor) {
    return declaredMethods.contains(name + descriptor);
  }

  /**
   * Whether the constant pool holds a method handle of {@code owner.name descriptor}
   * (internal names): what a {@code $deserializeLambda$} recreates a serialized lambda from
   * (javac's creates it with that handle; scalac's {@code LambdaDeserialize} finds it among
   * the handles it is given). A handle the class uses otherwise (a method reference that is not
   * serializable) counts too.
   */
  boolean hasMethodHandle(String owner, String name, String descriptor) {
    for (int i = 1; i < tag.length; i++) {
      if (tag[i] == 15 && tag[first[i]] >= 9 && tag[first[i]] <= 11) {
        String[] m = ref(first[i]);
        if (m[0].equals(owner) && m[1].equals(name) && m[2].equals(descriptor)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether the static initializer, if any, is trivial: it only stores constants (numbers,
   * strings, {@code null}) into this class's own static fields. For an enum (its superclass
   * {@code java.lang.Enum}), javac's pattern too: each constant {@code new Self(name, ordinal,
   * constants...)} with a trivial constructor ({@code Enum}'s, then constants or parameters
   * into its own fields), stored in its field, and the {@code $VALUES} array built from those
   * fields (inline or by {@code $values()}). Anything else might throw: only running it tells.
   */
  boolean trivialStaticInitializer() {
    byte[] c = code.get("<clinit>()V");
    return c == null || trivialStatic(c, 0xB1, true);
  }

  /**
   * Whether {@code c}, ending with {@code returnOp}, is a trivial static initializer's code
   * ({@code <clinit>}, or an enum's {@code $values()} when not {@code mayCallValues}).
   */
  private boolean trivialStatic(byte[] c, int returnOp, boolean mayCallValues) {
    boolean isEnum = "java/lang/Enum".equals(superClass);
    int pc = 0;
    while (pc < c.length) {
      int op = c[pc] & 0xFF;
      if (op == returnOp) {
        return pc == c.length - 1;
      }
      if (op == 0x00 || op >= 0x01 && op <= 0x0F) {
        pc += 1; // nop, constants
      } else if (op == 0x10) {
        pc += 2; // bipush
      } else if (op == 0x11) {
        pc += 3; // sipush
      } else if (op == 0x12 || op == 0x13 || op == 0x14) {
        int index = op == 0x12 ? c[pc + 1] & 0xFF : u2(c, pc + 1);
        int t = tag[index];
        if (t != 3 && t != 4 && t != 5 && t != 6 && t != 8) {
          return false; // a class, method handle or dynamic constant: loads or runs code
        }
        pc += op == 0x12 ? 2 : 3;
      } else if (op == 0xB3 || isEnum && op == 0xB2) { // putstatic; an enum's getstatic
        int index = u2(c, pc + 1);
        if (tag[index] != 9 || !ref(index)[0].equals(thisClass)) {
          return false;
        }
        pc += 3;
      } else if (isEnum && (op == 0xBB || op == 0xBD)) { // new Self, anewarray Self
        int index = u2(c, pc + 1);
        if (tag[index] != 7 || !className(index).equals(thisClass)) {
          return false;
        }
        pc += 3;
      } else if (isEnum && (op == 0x59 || op == 0x53)) { // dup, aastore
        pc += 1;
      } else if (isEnum && op == 0xB7) { // invokespecial Self.<init>, a trivial one
        int index = u2(c, pc + 1);
        if (tag[index] != 10) {
          return false;
        }
        String[] m = ref(index);
        if (!m[0].equals(thisClass) || !m[1].equals("<init>")
            || !m[2].startsWith("(Ljava/lang/String;I")
            || !trivialConstructor(m[2], "(Ljava/lang/String;I)V")) {
          return false;
        }
        pc += 3;
      } else if (isEnum && mayCallValues && op == 0xB8) { // invokestatic Self.$values()
        int index = u2(c, pc + 1);
        if (tag[index] != 10) {
          return false;
        }
        String[] m = ref(index);
        byte[] values = code.get(m[1] + m[2]);
        if (!m[0].equals(thisClass) || !m[1].equals("$values") || !m[2].startsWith("()")
            || values == null || !trivialStatic(values, 0xB0, false)) {
          return false;
        }
        pc += 3;
      } else {
        return false;
      }
    }
    return false;
  }

  /**
   * Whether the no-arg method {@code name} only returns this class's static {@code MODULE$}
   * ({@code getstatic; areturn}): a Scala object's {@code readResolve}, which gives the object.
   */
  boolean returnsOwnModule(String name) {
    byte[] c = code.get(name + "()Ljava/lang/Object;");
    if (c == null || c.length != 4 || (c[0] & 0xFF) != 0xB2 || (c[3] & 0xFF) != 0xB0) {
      return false;
    }
    int index = u2(c, 1);
    if (tag[index] != 9) {
      return false;
    }
    String[] f = ref(index);
    return f[0].equals(thisClass) && f[1].equals("MODULE$");
  }

  private static int u2(byte[] c, int at) {
    return (c[at] & 0xFF) << 8 | c[at + 1] & 0xFF;
  }
}
