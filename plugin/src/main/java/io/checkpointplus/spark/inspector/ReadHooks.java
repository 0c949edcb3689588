package io.checkpointplus.spark.inspector;

import java.io.Externalizable;
import java.io.ObjectInput;
import java.io.ObjectInputStream;
import java.io.ObjectStreamField;
import java.io.Serializable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The new build's own code that Java serialization runs while it reads an object, found by
 * {@code ObjectStreamClass}'s own rules on the loaded, uninitialised class: a private
 * {@code readObject(ObjectInputStream)} of each class whose data the stream holds, a private
 * {@code readObjectNoData()} of a serializable superclass the stream has no data for,
 * {@code readExternal}, the inheritable {@code readResolve}, a record's canonical constructor,
 * and the no-arg constructor of the first non-serializable superclass. What that code does
 * (reads more than the old build wrote, rejects a value, returns another type) only running it
 * tells, so each is a reason for "cannot tell", unless its bytecode is trivial
 * ({@link ClassFileCode}). Only the application's classes count: the platform's (the JDK,
 * Scala, Spark: what the inspector itself runs on, and the restarted driver loads first) are
 * not what the upgrade changes; a {@code java.util.HashMap}'s {@code readObject} stays
 * decided. The static initializers a read runs ({@link #initialisation}) are only named beside
 * the verdict: nearly every serializable class's runs (a logger, a {@code ClassTag}), and as
 * reasons for "cannot tell" they would leave no application a verdict.
 */
final class ReadHooks {
  private ReadHooks() {
  }

  /**
   * Whether {@code cl} is the platform's: defined by the loader that loaded the inspector or one
   * of its parents (the JDK, Scala, Spark's {@code jars/}), not by the new build's jars.
   */
  static boolean isPlatform(Class<?> cl) {
    ClassLoader defining = cl.getClassLoader();
    if (defining == null) {
      return true;
    }
    for (ClassLoader l = ReadHooks.class.getClassLoader(); l != null; l = l.getParent()) {
      if (l == defining) {
        return true;
      }
    }
    for (ClassLoader l = ClassLoader.getPlatformClassLoader(); l != null; l = l.getParent()) {
      if (l == defining) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code cl} declares {@code serialPersistentFields} as {@code ObjectStreamClass}
   * takes it (private static final): then its serial fields are that array's value, which its
   * static initializer builds, not its declared fields.
   */
  static boolean declaresSerialPersistentFields(Class<?> cl) {
    try {
      java.lang.reflect.Field f = cl.getDeclaredField("serialPersistentFields");
      int mask = Modifier.PRIVATE | Modifier.STATIC | Modifier.FINAL;
      return (f.getModifiers() & mask) == mask && f.getType() == ObjectStreamField[].class;
    } catch (NoSuchFieldException e) {
      return false;
    }
  }

  /**
   * Whether {@code ObjectStreamClass.lookup} of the serializable class {@code cl} reads one of
   * its static fields, which initialises it: a static final {@code serialVersionUID}
   * ({@code getDeclaredSUID}; an enum's is not read) or a private static final
   * {@code serialPersistentFields} ({@code getDeclaredSerialFields}; not an
   * {@code Externalizable} class's). True too when its fields cannot be listed.
   */
  static boolean lookupReadsStaticField(Class<?> cl) {
    if (Enum.class.isAssignableFrom(cl) || cl.isArray()) {
      return false;
    }
    try {
      for (java.lang.reflect.Field f : cl.getDeclaredFields()) {
        int mods = f.getModifiers();
        if (f.getName().equals("serialVersionUID") && Modifier.isStatic(mods)
            && Modifier.isFinal(mods)
            || f.getName().equals("serialPersistentFields") && Modifier.isPrivate(mods)
            && Modifier.isStatic(mods) && Modifier.isFinal(mods)
            && !Externalizable.class.isAssignableFrom(cl)) {
          return true;
        }
      }
      return false;
    } catch (LinkageError e) {
      return true; // a field's type cannot be loaded: its serialVersionUID may be read
    }
  }

  /**
   * Adds the application's class {@code cl} to {@code out} with what initialising it
   * initialises first (JVMS 5.5): for a class, its superclasses and their superinterfaces,
   * direct or not, that declare a non-abstract instance method (a default or private one); an
   * interface alone.
   */
  static void initialisation(Class<?> cl, Set<Class<?>> out) {
    if (cl.isInterface()) {
      out.add(cl);
      return;
    }
    for (Class<?> c = cl; c != null && !isPlatform(c); c = c.getSuperclass()) {
      out.add(c);
      addInitialisedInterfaces(c, out);
    }
  }

  private static void addInitialisedInterfaces(Class<?> c, Set<Class<?>> out) {
    for (Class<?> i : c.getInterfaces()) {
      if (!isPlatform(i)) {
        if (declaresNonAbstractInstanceMethod(i)) {
          out.add(i);
        }
        addInitialisedInterfaces(i, out);
      }
    }
  }

  private static boolean declaresNonAbstractInstanceMethod(Class<?> i) {
    try {
      for (Method m : i.getDeclaredMethods()) {
        if ((m.getModifiers() & (Modifier.ABSTRACT | Modifier.STATIC)) == 0) {
          return true;
        }
      }
      return false;
    } catch (LinkageError e) {
      return true; // a method's types cannot be loaded: it may be initialised
    }
  }

  /**
   * Whether the application's class {@code cl} has a static initializer that is not trivial
   * ({@link ClassFileCode#trivialStaticInitializer}), or a class file that cannot be read.
   */
  static boolean nonTrivialStaticInitializer(Class<?> cl) {
    ClassFileCode code = ClassFileCode.of(cl);
    return code == null || !code.trivialStaticInitializer();
  }

  /** {@code cl}'s private {@code readObject(ObjectInputStream)}, as the application's code. */
  static String readObject(Class<?> cl) {
    return isPlatform(cl) ? null : privateMethod(cl, "readObject", ObjectInputStream.class);
  }

  /**
   * What of the application's code reading an instance of {@code cl} runs, beyond each stream
   * class's {@code readObject} ({@link #readObject}, asked per class): {@code streamClasses}
   * are the classes of its hierarchy the stream has data for.
   */
  static List<String> onInstance(Class<?> cl, Set<String> streamClasses) {
    List<String> out = new ArrayList<>();
    if (Externalizable.class.isAssignableFrom(cl)) {
      try {
        Method m = cl.getMethod("readExternal", ObjectInput.class);
        if (!isPlatform(m.getDeclaringClass())) {
          out.add(m.getDeclaringClass().getName() + ".readExternal(ObjectInput) (with the"
              + " public no-arg constructor before it)");
        }
      } catch (NoSuchMethodException e) {
        // abstract: reported as a class that cannot be instantiated
      }
    } else if (cl.isRecord()) {
      if (!isPlatform(cl)) {
        RecordComponent[] components = cl.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < types.length; i++) {
          types[i] = components[i].getType();
        }
        ClassFileCode code = ClassFileCode.of(cl);
        if (code == null
            || !code.trivialConstructor(SerialVersion.descriptor(types, void.class))) {
          out.add("the canonical constructor " + cl.getName() + "(" + String.join(", ",
              java.util.Arrays.stream(types).map(Class::getTypeName).toList()) + "), which"
              + " does more than assign its parameters to the fields");
        }
      }
    } else {
      Class<?> c = cl;
      for (; c != null && Serializable.class.isAssignableFrom(c); c = c.getSuperclass()) {
        if (!streamClasses.contains(c.getName()) && !isPlatform(c)) {
          String noData = privateMethod(c, "readObjectNoData");
          if (noData != null) {
            out.add(noData + " (the checkpoint has no data of " + c.getName() + ")");
          }
        }
      }
      String ctor = nonTrivialNoArgConstructor(c);
      if (ctor != null) {
        out.add("the constructor " + ctor + " (of the first non-serializable superclass),"
            + " which does more than assign constants to fields");
      }
    }
    Method resolve = readResolve(cl);
    if (resolve != null && !isPlatform(resolve.getDeclaringClass())) {
      ClassFileCode code = ClassFileCode.of(resolve.getDeclaringClass());
      if (resolve.getDeclaringClass() != cl || code == null
          || !code.returnsOwnModule("readResolve")) {
        out.add(resolve.getDeclaringClass().getName() + ".readResolve(), whose result replaces"
            + " the object");
      }
    }
    return out;
  }

  /**
   * The first of {@code init}'s no-arg constructor and those it calls up its superclasses that
   * is the application's and not trivial; null when none is.
   */
  private static String nonTrivialNoArgConstructor(Class<?> init) {
    for (Class<?> c = init; c != null && !isPlatform(c); c = c.getSuperclass()) {
      ClassFileCode code = ClassFileCode.of(c);
      if (code == null || !code.trivialConstructor("()V")) {
        return c.getName() + "()";
      }
    }
    return null;
  }

  /** {@code ObjectStreamClass.getPrivateMethod}: private, not static, returning void. */
  private static String privateMethod(Class<?> cl, String name, Class<?>... parameters) {
    try {
      Method m = cl.getDeclaredMethod(name, parameters);
      int mods = m.getModifiers();
      if (m.getReturnType() == void.class && Modifier.isPrivate(mods)
          && !Modifier.isStatic(mods)) {
        return cl.getName() + "." + name + "(" + (parameters.length == 0 ? ""
            : parameters[0].getSimpleName()) + ")";
      }
    } catch (NoSuchMethodException e) {
      // none
    }
    return null;
  }

  /**
   * {@code ObjectStreamClass.getInheritableMethod(cl, "readResolve", null, Object.class)}: the
   * nearest declaration, returning Object, not static or abstract; private only in {@code cl}
   * itself, package-private only in its package.
   */
  static Method readResolve(Class<?> cl) {
    Method m = null;
    Class<?> def = cl;
    while (def != null) {
      try {
        m = def.getDeclaredMethod("readResolve");
        break;
      } catch (NoSuchMethodException e) {
        def = def.getSuperclass();
      }
    }
    if (m == null || m.getReturnType() != Object.class) {
      return null;
    }
    int mods = m.getModifiers();
    if ((mods & (Modifier.STATIC | Modifier.ABSTRACT)) != 0) {
      return null;
    }
    if ((mods & (Modifier.PUBLIC | Modifier.PROTECTED)) != 0) {
      return m;
    }
    if ((mods & Modifier.PRIVATE) != 0) {
      return cl == def ? m : null;
    }
    return cl.getClassLoader() == def.getClassLoader()
        && cl.getPackageName().equals(def.getPackageName()) ? m : null;
  }
}
