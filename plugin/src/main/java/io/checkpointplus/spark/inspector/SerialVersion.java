package io.checkpointplus.spark.inspector;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The {@code serialVersionUID} a class has in this JVM, found without initialising it.
 *
 * <p>Why not {@code ObjectStreamClass.lookup}: it reads a declared {@code serialVersionUID}
 * (and {@code serialPersistentFields}) reflectively, and reading a static field reflectively
 * initialises the class: its static initializer, application code, would run. Instead the class
 * is loaded with {@code Class.forName(name, false, loader)} (no initialisation; reflection on
 * its members does not initialise either), the declared value and the presence of a static
 * initializer come from its class file ({@link ClassFileFacts}), and the default value is
 * computed as {@code ObjectStreamClass.computeDefaultSUID} does (Java Object Serialization
 * Specification 4.6: SHA-1 over the class name, modifiers, interfaces, fields, static
 * initializer, constructors and methods).
 */
final class SerialVersion {
  /** A class's version: its value, whether declared, or why it cannot be known. */
  record Value(Long suid, boolean declared, String unknownBecause) {
  }

  private SerialVersion() {
  }

  static Value of(Class<?> cl, ClassLoader loader) throws IOException {
    ClassFileFacts facts = facts(cl, loader);
    if (facts != null && facts.declaresSerialVersionUid()) {
      if (facts.declaredSerialVersionUid() != null) {
        return new Value(facts.declaredSerialVersionUid(), true, null);
      }
      return new Value(null, true, "its serialVersionUID is computed when the class is"
          + " initialised (not a constant), which would run its code");
    }
    if (facts == null) {
      return new Value(null, false, "its class file cannot be read");
    }
    return new Value(computeDefault(cl, facts.hasStaticInitializer()), false, null);
  }

  private static ClassFileFacts facts(Class<?> cl, ClassLoader loader) throws IOException {
    String resource = cl.getName().replace('.', '/') + ".class";
    ClassLoader from = cl.getClassLoader() != null ? cl.getClassLoader() : loader;
    InputStream in = from != null ? from.getResourceAsStream(resource)
        : ClassLoader.getSystemResourceAsStream(resource);
    if (in == null) {
      in = ClassLoader.getSystemResourceAsStream(resource);
    }
    if (in == null) {
      return null;
    }
    try (InputStream stream = in) {
      return ClassFileFacts.parse(stream.readAllBytes());
    }
  }

  /** {@code ObjectStreamClass.computeDefaultSUID}, with {@code <clinit>} from the class file. */
  static long computeDefault(Class<?> cl, boolean hasStaticInitializer) {
    try {
      ByteArrayOutputStream bout = new ByteArrayOutputStream();
      DataOutputStream dout = new DataOutputStream(bout);
      dout.writeUTF(cl.getName());
      int classMods = cl.getModifiers() & (Modifier.PUBLIC | Modifier.FINAL
          | Modifier.INTERFACE | Modifier.ABSTRACT);
      Method[] methods = cl.getDeclaredMethods();
      if ((classMods & Modifier.INTERFACE) != 0) {
        classMods = methods.length > 0 ? classMods | Modifier.ABSTRACT
            : classMods & ~Modifier.ABSTRACT;
      }
      dout.writeInt(classMods);
      if (!cl.isArray()) {
        String[] names = Arrays.stream(cl.getInterfaces()).map(Class::getName).sorted()
            .toArray(String[]::new);
        for (String n : names) {
          dout.writeUTF(n);
        }
      }
      Field[] fields = cl.getDeclaredFields();
      Arrays.sort(fields, Comparator.comparing(Field::getName));
      for (Field f : fields) {
        int mods = f.getModifiers() & (Modifier.PUBLIC | Modifier.PRIVATE | Modifier.PROTECTED
            | Modifier.STATIC | Modifier.FINAL | Modifier.VOLATILE | Modifier.TRANSIENT);
        if ((mods & Modifier.PRIVATE) == 0
            || (mods & (Modifier.STATIC | Modifier.TRANSIENT)) == 0) {
          dout.writeUTF(f.getName());
          dout.writeInt(mods);
          dout.writeUTF(descriptor(f.getType()));
        }
      }
      if (hasStaticInitializer) {
        dout.writeUTF("<clinit>");
        dout.writeInt(Modifier.STATIC);
        dout.writeUTF("()V");
      }
      int memberMask = Modifier.PUBLIC | Modifier.PRIVATE | Modifier.PROTECTED | Modifier.STATIC
          | Modifier.FINAL | Modifier.SYNCHRONIZED | Modifier.NATIVE | Modifier.ABSTRACT
          | Modifier.STRICT;
      Constructor<?>[] cons = cl.getDeclaredConstructors();
      String[] consSigs = new String[cons.length];
      Integer[] order = new Integer[cons.length];
      for (int i = 0; i < cons.length; i++) {
        consSigs[i] = descriptor(cons[i].getParameterTypes(), void.class);
        order[i] = i;
      }
      Arrays.sort(order, Comparator.comparing(i -> consSigs[i]));
      for (int i : order) {
        int mods = cons[i].getModifiers() & memberMask;
        if ((mods & Modifier.PRIVATE) == 0) {
          dout.writeUTF("<init>");
          dout.writeInt(mods);
          dout.writeUTF(consSigs[i].replace('/', '.'));
        }
      }
      String[] methSigs = new String[methods.length];
      Integer[] morder = new Integer[methods.length];
      for (int i = 0; i < methods.length; i++) {
        methSigs[i] = descriptor(methods[i].getParameterTypes(), methods[i].getReturnType());
        morder[i] = i;
      }
      Arrays.sort(morder, Comparator.comparing((Integer i) -> methods[i].getName())
          .thenComparing(i -> methSigs[i]));
      for (int i : morder) {
        int mods = methods[i].getModifiers() & memberMask;
        if ((mods & Modifier.PRIVATE) == 0) {
          dout.writeUTF(methods[i].getName());
          dout.writeInt(mods);
          dout.writeUTF(methSigs[i].replace('/', '.'));
        }
      }
      dout.flush();
      byte[] hash = MessageDigest.getInstance("SHA").digest(bout.toByteArray());
      long suid = 0;
      for (int i = Math.min(hash.length, 8) - 1; i >= 0; i--) {
        suid = (suid << 8) | (hash[i] & 0xFF);
      }
      return suid;
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JVM type descriptor of {@code type} ({@code I}, {@code Ljava/lang/String;}, ...). */
  static String descriptor(Class<?> type) {
    if (type.isArray()) {
      return "[" + descriptor(type.getComponentType());
    }
    if (type.isPrimitive()) {
      if (type == int.class) {
        return "I";
      } else if (type == long.class) {
        return "J";
      } else if (type == boolean.class) {
        return "Z";
      } else if (type == byte.class) {
        return "B";
      } else if (type == char.class) {
        return "C";
      } else if (type == short.class) {
        return "S";
      } else if (type == float.class) {
        return "F";
      } else if (type == double.class) {
        return "D";
      }
      return "V";
    }
    return "L" + type.getName().replace('.', '/') + ";";
  }

  static String descriptor(Class<?>[] params, Class<?> ret) {
    StringBuilder sb = new StringBuilder("(");
    for (Class<?> p : params) {
      sb.append(descriptor(p));
    }
    return sb.append(')').append(descriptor(ret)).toString();
  }
}
