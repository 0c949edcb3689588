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
 * Also which serialized lambdas a {@code $deserializeLambda$} recreates, from its code and the
 * class's bootstrap methods ({@link #recreatesLambda}).
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
  /**
   * The BootstrapMethods attribute: per entry its method handle's constant pool index, then
   * its arguments'.
   */
  private final int[][] bootstrapMethods;

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
    int[][] bootstraps = new int[0][];
    int attributes = in.readUnsignedShort();
    for (int a = 0; a < attributes; a++) {
      String attr = utf8[in.readUnsignedShort()];
      int len = in.readInt();
      if ("BootstrapMethods".equals(attr)) {
        bootstraps = new int[in.readUnsignedShort()][];
        for (int b = 0; b < bootstraps.length; b++) {
          int handle = in.readUnsignedShort();
          int[] entry = new int[1 + in.readUnsignedShort()];
          entry[0] = handle;
          for (int i = 1; i < entry.length; i++) {
            entry[i] = in.readUnsignedShort();
          }
          bootstraps[b] = entry;
        }
      } else {
        in.skipNBytes(len);
      }
    }
    bootstrapMethods = bootstraps;
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

  /** What {@link #recreatesLambda} can tell of a {@code $deserializeLambda$}. */
  enum LambdaDeserialization { RECREATES, DOES_NOT_RECREATE, UNKNOWN_FORM }

  /**
   * Whether this class's {@code $deserializeLambda$} recreates a serialized lambda implemented
   * by {@code implClass.name descriptor} (internal names). A handle of that method elsewhere in
   * the class (a lambda or method reference that is not serializable) is no evidence: only the
   * forms the compilers generate are.
   *
   * <ul>
   *   <li>scalac (2.12, 2.13): an {@code invokedynamic} bootstrapped by
   *       {@code scala.runtime.LambdaDeserialize}, given the handles of the class's serializable
   *       lambdas; it recreates the one whose name and descriptor match.
   *   <li>javac: a switch on {@code getImplMethodName()}, then string comparisons of
   *       the implementation's class and descriptor (and of the functional interface): each of
   *       the three must be a string constant of the method.
   * </ul>
   *
   * {@link LambdaDeserialization#UNKNOWN_FORM} when it is neither, or its code cannot be
   * decoded.
   */
  LambdaDeserialization recreatesLambda(String implClass, String name, String descriptor) {
    try {
      return lambdaDeserialization(implClass, name, descriptor);
    } catch (RuntimeException e) {
      return LambdaDeserialization.UNKNOWN_FORM; // a constant index out of the pool
    }
  }

  private LambdaDeserialization lambdaDeserialization(String implClass, String name,
      String descriptor) {
    byte[] c = code.get("$deserializeLambda$(Ljava/lang/invoke/SerializedLambda;)"
        + "Ljava/lang/Object;");
    if (c == null) {
      return LambdaDeserialization.UNKNOWN_FORM;
    }
    Set<String> strings = new HashSet<>();
    boolean lambdaDeserialize = false;
    boolean listed = false;
    boolean readsImplMethodName = false;
    int pc = 0;
    while (pc < c.length) {
      int op = c[pc] & 0xFF;
      int length = instructionLength(c, pc);
      if (length <= 0 || pc + length > c.length) {
        return LambdaDeserialization.UNKNOWN_FORM;
      }
      if (op == 0x12 || op == 0x13) { // ldc, ldc_w
        int index = op == 0x12 ? c[pc + 1] & 0xFF : u2(c, pc + 1);
        if (tag[index] == 8) {
          strings.add(utf8[first[index]]);
        }
      } else if (op == 0xB6 || op == 0xB9) { // invokevirtual, invokeinterface
        int index = u2(c, pc + 1);
        if (tag[index] == 10 || tag[index] == 11) {
          String[] m = ref(index);
          readsImplMethodName |= m[0].equals("java/lang/invoke/SerializedLambda")
              && m[1].equals("getImplMethodName");
        }
      } else if (op == 0xBA) { // invokedynamic
        int index = u2(c, pc + 1);
        int[] bootstrap = tag[index] == 18 && first[index] < bootstrapMethods.length
            ? bootstrapMethods[first[index]] : null;
        if (bootstrap != null && isMethodHandle(bootstrap[0])) {
          String[] bsm = ref(first[bootstrap[0]]);
          if (bsm[0].equals("scala/runtime/LambdaDeserialize") && bsm[1].equals("bootstrap")) {
            lambdaDeserialize = true;
            for (int i = 1; i < bootstrap.length; i++) {
              if (isMethodHandle(bootstrap[i])) {
                // LambdaDeserialize looks the lambda up by name and descriptor only
                String[] h = ref(first[bootstrap[i]]);
                listed |= h[1].equals(name) && h[2].equals(descriptor);
              }
            }
          }
        }
      }
      pc += length;
    }
    if (lambdaDeserialize) {
      return listed ? LambdaDeserialization.RECREATES
          : LambdaDeserialization.DOES_NOT_RECREATE;
    }
    if (readsImplMethodName) {
      return strings.contains(name) && strings.contains(implClass)
          && strings.contains(descriptor) ? LambdaDeserialization.RECREATES
          : LambdaDeserialization.DOES_NOT_RECREATE;
    }
    return LambdaDeserialization.UNKNOWN_FORM;
  }

  /** Whether constant {@code index} is a method handle of a field or method. */
  private boolean isMethodHandle(int index) {
    return index > 0 && index < tag.length && tag[index] == 15 && tag[first[index]] >= 9
        && tag[first[index]] <= 11;
  }

  /**
   * The length of the instruction at {@code pc} (JVMS 6.5), its operands included; 0 for an
   * opcode that is not one.
   */
  private static int instructionLength(byte[] c, int pc) {
    int op = c[pc] & 0xFF;
    if (op == 0xAA || op == 0xAB) { // tableswitch, lookupswitch: padded to 4 bytes
      int operands = (pc + 4) & ~3;
      if (operands + 12 > c.length) {
        return 0;
      }
      long entries = op == 0xAA
          ? (long) readInt(c, operands + 8) - readInt(c, operands + 4) + 1
          : 2L * readInt(c, operands + 4);
      long end = operands + (op == 0xAA ? 12 : 8) + 4 * entries;
      return entries < 0 || end > c.length ? 0 : (int) (end - pc);
    }
    if (op == 0xC4) { // wide: iinc's two operands, or a local variable's index
      return pc + 1 < c.length && (c[pc + 1] & 0xFF) == 0x84 ? 6 : 4;
    }
    if (op == 0x10 || op >= 0x15 && op <= 0x19 || op >= 0x36 && op <= 0x3A || op == 0x12
        || op == 0xA9 || op == 0xBC) {
      return 2; // bipush, loads, stores, ldc, ret, newarray
    }
    if (op == 0x11 || op == 0x13 || op == 0x14 || op == 0x84 || op >= 0x99 && op <= 0xA8
        || op >= 0xB2 && op <= 0xB8 || op == 0xBB || op == 0xBD || op == 0xC0 || op == 0xC1
        || op == 0xC6 || op == 0xC7) {
      return 3;
    }
    if (op == 0xC5) {
      return 4; // multianewarray
    }
    if (op == 0xB9 || op == 0xBA || op == 0xC8 || op == 0xC9) {
      return 5; // invokeinterface, invokedynamic, goto_w, jsr_w
    }
    return op <= 0xC3 ? 1 : 0;
  }

  private static int readInt(byte[] c, int at) {
    return u2(c, at) << 16 | u2(c, at + 2);
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
