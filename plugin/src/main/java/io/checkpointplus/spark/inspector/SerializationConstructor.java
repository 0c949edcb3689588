package io.checkpointplus.spark.inspector;

import java.io.Externalizable;
import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;

/**
 * Whether Java serialization can instantiate a class on read, by the JDK's own rule
 * ({@code ObjectStreamClass} and {@code ReflectionFactory.newConstructorForSerialization}):
 * an {@code Externalizable} class needs a public no-arg constructor; a {@code Serializable}
 * one needs its first non-serializable superclass to have a no-arg constructor accessible to
 * it (not private; public or protected, or in the same package and class loader), and each
 * serializable class's superclass to have some constructor it may call. Otherwise reading an
 * instance throws {@code InvalidClassException: ...; no valid constructor}; an abstract class
 * has one, but its instance cannot be created ({@code unable to create instance}). Decided by
 * reflection on the loaded, uninitialised classes: no constructor runs.
 */
final class SerializationConstructor {
  private SerializationConstructor() {
  }

  /**
   * Why Java serialization cannot instantiate {@code cl}; null when it can. An abstract class
   * has its serialization constructor, but creating the instance fails
   * ({@code InstantiationException}, which the read reports as
   * {@code InvalidClassException: unable to create instance}).
   */
  static String problem(Class<?> cl) {
    String noConstructor = constructorProblem(cl);
    if (noConstructor == null && Modifier.isAbstract(cl.getModifiers())) {
      return "unable to create instance: " + cl.getName() + " is abstract in the new build";
    }
    return noConstructor;
  }

  /** Why {@code cl} has no serialization constructor; null when it has one. */
  private static String constructorProblem(Class<?> cl) {
    if (Externalizable.class.isAssignableFrom(cl)) {
      try {
        Constructor<?> c = cl.getDeclaredConstructor();
        return Modifier.isPublic(c.getModifiers()) ? null
            : "no valid constructor: the Externalizable class's no-arg constructor is not public";
      } catch (NoSuchMethodException e) {
        return "no valid constructor: the Externalizable class has no no-arg constructor";
      }
    }
    Class<?> init = cl;
    while (Serializable.class.isAssignableFrom(init)) {
      Class<?> sub = init;
      init = init.getSuperclass();
      if (init == null) {
        return "no valid constructor: no non-serializable superclass";
      }
      if (!superHasAccessibleConstructor(sub, init)) {
        return "no valid constructor: " + init.getName() + " has no constructor "
            + sub.getName() + " may call";
      }
    }
    Constructor<?> noArg;
    try {
      noArg = init.getDeclaredConstructor();
    } catch (NoSuchMethodException e) {
      return "no valid constructor: " + init.getName() + ", the first non-serializable"
          + " superclass of " + cl.getName() + ", has no no-arg constructor";
    }
    int mods = noArg.getModifiers();
    if (Modifier.isPrivate(mods) || (mods & (Modifier.PUBLIC | Modifier.PROTECTED)) == 0
        && !samePackage(cl, init)) {
      return "no valid constructor: the no-arg constructor of " + init.getName() + ", the"
          + " first non-serializable superclass of " + cl.getName() + ", is not accessible to"
          + " it (" + (Modifier.isPrivate(mods) ? "private" : "package-private, another"
          + " package") + ")";
    }
    return null;
  }

  private static boolean superHasAccessibleConstructor(Class<?> sub, Class<?> sup) {
    if (samePackage(sub, sup)) {
      for (Constructor<?> c : sup.getDeclaredConstructors()) {
        if (!Modifier.isPrivate(c.getModifiers())) {
          return true;
        }
      }
      return sub.isNestmateOf(sup);
    }
    if ((sup.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) == 0) {
      return false;
    }
    for (Constructor<?> c : sup.getDeclaredConstructors()) {
      if ((c.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) != 0) {
        return true;
      }
    }
    return false;
  }

  /** The JDK's {@code packageEquals}: the same class loader and package name. */
  private static boolean samePackage(Class<?> a, Class<?> b) {
    return a == b || a.getClassLoader() == b.getClassLoader()
        && a.getPackageName().equals(b.getPackageName());
  }
}
