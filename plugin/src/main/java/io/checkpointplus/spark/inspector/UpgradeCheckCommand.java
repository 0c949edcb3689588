package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Externalizable;
import java.io.IOException;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;

/**
 * {@code upgrade-check CHECKPOINT --jar NEW_APP.jar [--jars DEP1,DEP2]}: whether a Spark
 * Streaming application built as {@code NEW_APP.jar} can restart from the metadata checkpoint.
 * Every class descriptor in the checkpoint is compared with the class the restarted driver
 * would load (the new jar and its dependencies, then this JVM's class path, which is Spark's
 * {@code jars/}: Spark's parent-first order), as {@code ObjectInputStream} would:
 * {@code ClassNotFoundException} for a class that is gone, {@code InvalidClassException} for a
 * changed {@code serialVersionUID}, a primitive field whose type changed, or a class no longer
 * serializable, or a class without a serialization constructor ("no valid constructor": its
 * first non-serializable superclass lost its accessible no-arg constructor);
 * {@code ClassCastException} for a field whose new type cannot hold the value the checkpoint
 * has (for a value read through {@code readResolve}, what that gives: a Scala object itself; a
 * serialization proxy's result, which only running it tells, is taken to be of the field's type
 * in the checkpoint, so a field retyped to a type that does not hold that is "cannot tell");
 * for serialized lambdas, a missing implementation method, and {@code InvalidObjectException}
 * for a capturing class whose {@code $deserializeLambda$} no longer recreates one;
 * {@code InvalidClassException: unable to create instance} for a class made abstract. A
 * superclass the checkpoint has but the new hierarchy does not keep serializable (removed, or
 * no longer {@code Serializable}) is skipped, as a read skips its data. The new build's own
 * code that a read would run ({@link ReadHooks}: {@code readObject}, {@code readObjectNoData},
 * {@code readExternal}, {@code readResolve}, a record's canonical constructor, a
 * non-serializable superclass's no-arg constructor, unless its bytecode is trivial), and a
 * {@code serialPersistentFields} (whose value its static initializer sets), make the verdict
 * "cannot tell", naming it; the platform's code (JDK, Scala, Spark) does not. The classes
 * compared are those of the metadata and of the {@code rdd-N} checkpoints it references (the
 * state of stateful DStreams, which a restart reads too: {@link StreamingRddData}). What
 * cannot be checked (Kryo-written state data, a computed {@code serialVersionUID}) makes the
 * verdict "cannot tell", never "would succeed". The application's static initializers a read
 * runs are named beside the verdict ({@link #staticInitializers}), which they do not change.
 * No class is initialised: no code of the application runs.
 */
final class UpgradeCheckCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What restoring one class would do. */
  record Verdict(String className, String status, Long streamSuid, Long localSuid,
      String exception, String reason) {
    boolean fails() {
      return status.equals("missing") || status.equals("incompatible");
    }
  }

  private UpgradeCheckCommand() {
  }

  static Outcome run(Arguments args) throws Arguments.UsageException, IOException {
    Path path = new Path(args.single("metadata checkpoint file or checkpoint root"));
    String jar = args.options.get("jar");
    if (jar == null) {
      throw new Arguments.UsageException("--jar NEW_APP.jar is required");
    }
    List<URL> urls = new ArrayList<>();
    urls.add(url(jar));
    String deps = args.options.get("jars");
    if (deps != null && !deps.isBlank()) {
      for (String d : deps.split(",")) {
        urls.add(url(d.trim()));
      }
    }
    MetadataFile file = MetadataFiles.resolve(path, args.hadoopConf(), args.sparkConf());
    SerializedClasses classes = new SerializedClasses();
    classes.add(file.root, file.descriptors, file.path.toString());
    StreamingRddData.Scan data = StreamingRddData.scan(file, args.hadoopConf(), classes);
    List<Verdict> verdicts;
    List<String> staticInitializers;
    try (URLClassLoader loader = new URLClassLoader("upgrade-check", urls.toArray(new URL[0]),
        UpgradeCheckCommand.class.getClassLoader())) {
      verdicts = check(classes, loader);
      staticInitializers = staticInitializers(classes, loader);
    }
    for (int i = 0; i < verdicts.size(); i++) {
      Verdict v = verdicts.get(i);
      String source = classes.firstSeenIn.get(v.className());
      if (!v.status().equals("ok") && source != null && !source.equals(file.path.toString())) {
        verdicts.set(i, new Verdict(v.className(), v.status(), v.streamSuid(), v.localSuid(),
            v.exception(), v.reason() + " (the class is in the state data " + source + ")"));
      }
    }
    for (String reason : data.notChecked()) {
      verdicts.add(new Verdict("state data", "unchecked", null, null, null, reason));
    }
    return outcome(file, jar, verdicts, staticInitializers, data);
  }

  private static URL url(String jar) throws IOException {
    java.nio.file.Path p = java.nio.file.Path.of(jar);
    if (!Files.isReadable(p)) {
      throw new IOException("Jar " + jar + " cannot be read");
    }
    return p.toUri().toURL();
  }

  /** The verdict for every class of one metadata file, in stream order. */
  static List<Verdict> check(MetadataFile file, ClassLoader loader) {
    SerializedClasses classes = new SerializedClasses();
    classes.add(file.root, file.descriptors, file.path.toString());
    return check(classes, loader);
  }

  /**
   * The verdict for every class {@code classes} holds: one per first descriptor, in the order
   * first seen, then one per later descriptor that differs ({@link SerializedClasses#variants},
   * in their order), then the serialized lambdas'.
   */
  static List<Verdict> check(SerializedClasses classes, ClassLoader loader) {
    // Superclass descriptors whose data a read gives to a class of the new hierarchy; the
    // others' data is read and discarded (ObjectStreamClass.getClassDataLayout).
    Set<String> superclasses = new HashSet<>();
    Set<String> attached = new HashSet<>();
    for (SerialStream.Desc d : classes.descriptors.values()) {
      if (d.superDesc != null) {
        superclasses.add(d.superDesc.name);
      }
    }
    for (String name : classes.instantiated) {
      SerialStream.Desc d = classes.descriptors.get(name);
      Set<String> local = serializableHierarchy(name, loader);
      for (SerialStream.Desc s = d == null ? null : d.superDesc; s != null; s = s.superDesc) {
        if (local.contains(s.name)) {
          attached.add(s.name);
        }
      }
    }
    List<Verdict> out = new ArrayList<>();
    for (SerialStream.Desc d : classes.descriptors.values()) {
      boolean detached = superclasses.contains(d.name) && !attached.contains(d.name)
          && !classes.classesOfValues.contains(d.name);
      out.add(verdict(d, loader, classes, detached, attached.contains(d.name)));
    }
    for (SerialStream.Desc d : classes.variants.keySet()) {
      boolean detached = superclasses.contains(d.name) && !attached.contains(d.name)
          && !classes.classesOfValues.contains(d.name);
      out.add(verdict(d, loader, classes, detached, attached.contains(d.name)));
    }
    for (SerializedClasses.Lambda lambda : classes.lambdas) {
      out.add(lambdaVerdict(lambda, loader));
    }
    return out;
  }

  /**
   * The application's classes whose static initializer, not trivial
   * ({@link ReadHooks#nonTrivialStaticInitializer}), a read of {@code classes} runs, in the
   * order first met: the new build's code, which this check neither runs nor judges (one that
   * throws fails the restart with {@code ExceptionInInitializerError}, whatever the verdict).
   * A read initialises ({@link ReadHooks#initialisation}) each serializable class of a
   * descriptor but a record (it compares serialVersionUIDs: a declared one is read from its
   * static field, and computing one calls {@code ObjectStreamClass.hasStaticInitializer},
   * whose JNI {@code GetStaticMethodID} initialises the class), the serializable superclasses
   * whose static field {@code ObjectStreamClass.lookup} reads
   * ({@link ReadHooks#lookupReadsStaticField}), each class it instantiates, each enum whose
   * constants it reads ({@code Enum.valueOf}), and each serialized lambda's capturing class
   * (whose {@code $deserializeLambda$} {@code SerializedLambda.readResolve} calls). The
   * platform's classes are not listed.
   */
  static List<String> staticInitializers(SerializedClasses classes, ClassLoader loader) {
    Set<Class<?>> initialised = new LinkedHashSet<>();
    for (SerialStream.Desc d : classes.descriptors.values()) {
      Class<?> cl = d.isProxy() ? null : loadedOrNull(d.name, loader);
      if (cl == null || cl.isArray() || ReadHooks.isPlatform(cl)) {
        continue;
      }
      if (Enum.class.isAssignableFrom(cl)) {
        if (!classes.enumConstants.getOrDefault(d.name, Set.of()).isEmpty()) {
          ReadHooks.initialisation(cl, initialised);
        }
        continue;
      }
      boolean comparesSuid = Serializable.class.isAssignableFrom(cl) && !cl.isRecord()
          && (d.has(SerialStream.SC_SERIALIZABLE) || d.has(SerialStream.SC_EXTERNALIZABLE));
      if (comparesSuid || classes.instantiated.contains(d.name)) {
        ReadHooks.initialisation(cl, initialised);
      }
      for (Class<?> c = cl; c != null && Serializable.class.isAssignableFrom(c)
          && !ReadHooks.isPlatform(c); c = c.getSuperclass()) {
        if (ReadHooks.lookupReadsStaticField(c)) {
          ReadHooks.initialisation(c, initialised);
        }
      }
    }
    for (SerializedClasses.Lambda lambda : classes.lambdas) {
      Class<?> cl = lambda.capturingClass() == null ? null
          : loadedOrNull(lambda.capturingClass(), loader);
      if (cl != null && !ReadHooks.isPlatform(cl)) {
        ReadHooks.initialisation(cl, initialised);
      }
    }
    List<String> out = new ArrayList<>();
    for (Class<?> c : initialised) {
      if (ReadHooks.nonTrivialStaticInitializer(c)) {
        out.add(c.getName());
      }
    }
    return out;
  }

  /** The new build's class {@code name}, not initialised; null when it cannot be loaded. */
  private static Class<?> loadedOrNull(String name, ClassLoader loader) {
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return null; // reported as missing
    }
  }

  /**
   * The names of the new build's class {@code name} and its serializable superclasses: the
   * classes whose data a read of an instance keeps (none for an Externalizable class); empty
   * when it cannot be loaded (reported on its own).
   */
  private static Set<String> serializableHierarchy(String name, ClassLoader loader) {
    Set<String> out = new HashSet<>();
    try {
      Class<?> c = Class.forName(name, false, loader);
      if (Externalizable.class.isAssignableFrom(c)) {
        return out;
      }
      for (; c != null && Serializable.class.isAssignableFrom(c); c = c.getSuperclass()) {
        out.add(c.getName());
      }
    } catch (ClassNotFoundException | LinkageError e) {
      // reported as missing
    }
    return out;
  }

  /**
   * One class's verdict. {@code detached}: the stream has it only as the superclass of other
   * classes whose new hierarchy no longer holds it serializable, so a read resolves it (a
   * changed serialVersionUID or primitive field type still fails) but skips its data: gone or
   * no longer serializable, it is no problem. {@code attached}: a superclass whose data a read
   * gives to the new class (its readObject runs).
   */
  private static Verdict verdict(SerialStream.Desc d, ClassLoader loader,
      SerializedClasses classes, boolean detached, boolean attached) {
    if (d.isProxy()) {
      for (String iface : d.proxyInterfaces) {
        try {
          Class.forName(iface, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
          return new Verdict(d.name, "missing", null, null, "ClassNotFoundException",
              "proxy interface " + iface + " is not in the new jar or its dependencies");
        }
      }
      return new Verdict(d.name, "ok", null, null, null, null);
    }
    Class<?> cl;
    try {
      cl = Class.forName(d.name, false, loader);
    } catch (ClassNotFoundException e) {
      if (detached) {
        return new Verdict(d.name, "ok", d.suid, null, null, "a superclass in the checkpoint,"
            + " gone from the new build: its data is skipped");
      }
      return new Verdict(d.name, "missing", d.suid, null, "ClassNotFoundException",
          "not in the new jar, its dependencies or Spark's class path");
    } catch (LinkageError e) {
      return new Verdict(d.name, "missing", d.suid, null, "NoClassDefFoundError",
          "found but cannot be loaded: " + e);
    }
    if (cl.isArray()) {
      return new Verdict(d.name, "ok", null, null, null, null);
    }
    boolean serializable = Serializable.class.isAssignableFrom(cl);
    boolean externalizable = Externalizable.class.isAssignableFrom(cl);
    boolean streamSerializable = d.has(SerialStream.SC_SERIALIZABLE)
        || d.has(SerialStream.SC_EXTERNALIZABLE);
    // ObjectStreamClass's own test: java.lang.Enum itself is an enum class for serialization.
    boolean isEnum = Enum.class.isAssignableFrom(cl);
    if (d.has(SerialStream.SC_ENUM) != isEnum) {
      return new Verdict(d.name, "incompatible", d.suid, null, "InvalidClassException",
          isEnum ? "cannot bind non-enum descriptor to an enum class"
              : "cannot bind enum descriptor to a non-enum class");
    }
    if (isEnum) {
      return enumVerdict(d, cl, classes.enumConstants.getOrDefault(d.name, Set.of()));
    }
    if (!streamSerializable) {
      // A class written only as a Class object (a lambda's capturing class, a ClassTag's
      // runtime class): Java gives non-serializable classes serialVersionUID 0, checks nothing.
      return new Verdict(d.name, "ok", d.suid, serializable ? null : 0L, null, null);
    }
    if (!serializable && detached) {
      return new Verdict(d.name, "ok", d.suid, null, null, "a superclass in the checkpoint, no"
          + " longer serializable: its data is skipped");
    }
    if (!serializable) {
      return new Verdict(d.name, "incompatible", d.suid, null, "InvalidClassException",
          "class invalid for deserialization: the new class is not Serializable");
    }
    if (d.has(SerialStream.SC_EXTERNALIZABLE) != externalizable) {
      return new Verdict(d.name, "incompatible", d.suid, null, "InvalidClassException",
          "Serializable incompatible with Externalizable");
    }
    SerialVersion.Value local;
    try {
      local = SerialVersion.of(cl, loader);
    } catch (IOException | RuntimeException | LinkageError e) {
      return new Verdict(d.name, "unchecked", d.suid, null, null,
          "its serialVersionUID cannot be determined: " + e);
    }
    if (local.unknownBecause() != null) {
      return new Verdict(d.name, "unchecked", d.suid, null, null, local.unknownBecause());
    }
    if (!cl.isRecord() && local.suid() != d.suid) {
      return new Verdict(d.name, "incompatible", d.suid, local.suid(), "InvalidClassException",
          "local class incompatible: stream classdesc serialVersionUID = " + d.suid
              + ", local class serialVersionUID = " + local.suid()
              + (local.declared() ? " (declared)" : " (computed: none declared, so any change"
                  + " to its fields, methods or interfaces changes it)"));
    }
    String fieldProblem = null;
    List<String> undecided = new ArrayList<>();
    boolean instantiated = classes.instantiated.contains(d.name);
    try {
      String readObject = instantiated || attached ? ReadHooks.readObject(cl) : null;
      if (!ReadHooks.declaresSerialPersistentFields(cl)) {
        fieldProblem = fieldProblem(d, cl, loader, classes, undecided, detached);
      } else if (!ReadHooks.isPlatform(cl)) {
        // (the platform's are the same on both sides: the checkpoint was written with them)
        undecided.add("it declares serialPersistentFields, the fields a read takes from the"
            + " checkpoint, whose value its static initializer sets (not run)");
      }
      if (fieldProblem != null && readObject != null && fieldProblem.startsWith("cannot assign")) {
        // its readObject may read the field with readFields and convert it
        undecided.add(fieldProblem + ", unless its readObject does not assign it");
        fieldProblem = null;
      }
      if (fieldProblem == null && instantiated && !cl.isRecord()) {
        fieldProblem = SerializationConstructor.problem(cl);
      }
      if (readObject != null) {
        undecided.add("its " + readObject + " would run (the new build's code)");
      }
      if (instantiated) {
        Set<String> streamClasses = new HashSet<>();
        for (SerialStream.Desc s : d.hierarchy()) {
          streamClasses.add(s.name);
        }
        for (String code : ReadHooks.onInstance(cl, streamClasses)) {
          undecided.add(code + " would run (the new build's code)");
        }
      }
    } catch (LinkageError | RuntimeException e) {
      // getDeclaredFields resolves every field's type: one that cannot be loaded
      return new Verdict(d.name, "unchecked", d.suid, local.suid(), null,
          "its fields cannot be read: " + e);
    }
    if (fieldProblem != null) {
      return new Verdict(d.name, "incompatible", d.suid, local.suid(),
          fieldProblem.startsWith("cannot assign") ? "ClassCastException"
              : "InvalidClassException", fieldProblem);
    }
    if (!undecided.isEmpty()) {
      return new Verdict(d.name, "unchecked", d.suid, local.suid(), null,
          String.join("; ", undecided));
    }
    return new Verdict(d.name, "ok", d.suid, local.suid(), null, null);
  }

  /**
   * An enum class binds whatever its fields; each constant the checkpoint holds must still be
   * declared ({@code Enum.valueOf} fails otherwise). Constants are read from the declared
   * fields ({@link Field#isEnumConstant()}): the class is not initialised.
   */
  private static Verdict enumVerdict(SerialStream.Desc d, Class<?> cl,
      java.util.Set<String> constants) {
    if (constants.isEmpty()) {
      return new Verdict(d.name, "ok", d.suid, 0L, null, null);
    }
    java.util.Set<String> declared = new java.util.HashSet<>();
    try {
      for (Field f : cl.getDeclaredFields()) {
        if (f.isEnumConstant()) {
          declared.add(f.getName());
        }
      }
    } catch (LinkageError | RuntimeException e) {
      return new Verdict(d.name, "unchecked", d.suid, null, null,
          "its enum constants cannot be read: " + e);
    }
    for (String c : constants) {
      if (!declared.contains(c)) {
        return new Verdict(d.name, "incompatible", d.suid, 0L, "InvalidObjectException",
            "enum constant " + c + " does not exist in " + d.name + " (the checkpoint holds"
                + " it; the new build declares " + new java.util.TreeSet<>(declared) + ")");
      }
    }
    return new Verdict(d.name, "ok", d.suid, 0L, null, null);
  }

  /**
   * A field of the stream that the new class cannot take, as {@code ObjectStreamClass} sees it.
   * Java serialization assigns a field what reading its value gives: for a class with
   * {@code readResolve}, what that returns. A Scala object's is the object itself (its class is
   * checked); a serialization proxy's (a lambda, a JDK or Scala collection) cannot be known
   * without running it, and is taken to be of the field's type in the checkpoint (the field held
   * it): a new type that does not hold that type is added to {@code undecided}, not passed.
   */
  private static String fieldProblem(SerialStream.Desc d, Class<?> cl, ClassLoader loader,
      SerializedClasses classes, List<String> undecided, boolean detached) {
    Map<String, Field> local = new LinkedHashMap<>();
    for (Field f : cl.getDeclaredFields()) {
      if ((f.getModifiers() & (Modifier.STATIC | Modifier.TRANSIENT)) == 0) {
        local.put(f.getName(), f);
      }
    }
    for (SerialStream.Field f : d.fields) {
      Field lf = local.get(f.name());
      if (lf == null) {
        continue; // a field that is gone is skipped on read
      }
      boolean streamPrimitive = f.typeCode() != 'L' && f.typeCode() != '[';
      String localCode = SerialVersion.descriptor(lf.getType());
      if ((streamPrimitive || lf.getType().isPrimitive())
          && f.typeCode() != localCode.charAt(0)) {
        return "incompatible types for field " + f.name() + ": " + f.typeName()
            + " in the checkpoint, " + lf.getType().getTypeName() + " now";
      }
      if (!streamPrimitive && !detached) {
        for (String valueClass : classes.valueClasses(d.name, f.name())) {
          Class<?> vc;
          try {
            vc = Class.forName(valueClass, false, loader);
          } catch (ClassNotFoundException | LinkageError e) {
            continue; // reported as a missing class on its own
          }
          if (lf.getType().isAssignableFrom(vc)) {
            continue;
          }
          if (!hasReadResolve(vc) || isScalaObject(vc)) {
            return "cannot assign instance of " + valueClass + " to field " + d.name + "."
                + f.name() + " of type " + lf.getType().getTypeName();
          }
          if (!holdsCheckpointType(lf.getType(), f, loader)) {
            undecided.add("field " + f.name() + " is now of type "
                + lf.getType().getTypeName() + " (" + f.typeName() + " in the checkpoint), and"
                + " its value in the checkpoint is a " + valueClass + ", which reading replaces"
                + " by what its readResolve returns: whether the new type holds that cannot be"
                + " told without running it");
          }
        }
      }
    }
    return null;
  }

  /**
   * Whether {@code cl} (or a superclass) declares {@code readResolve}: its instances are
   * replaced on read (a serialization proxy, a serialized lambda), so its own type says nothing
   * about what the field receives.
   */
  private static boolean hasReadResolve(Class<?> cl) {
    for (Class<?> c = cl; c != null; c = c.getSuperclass()) {
      for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
        if (m.getName().equals("readResolve") && m.getParameterCount() == 0) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether {@code cl} is the class of a Scala object ({@code object X}: {@code X$} with its
   * instance in the static field {@code MODULE$}) with its own {@code readResolve}, which
   * returns that instance: what reading it gives is of this class.
   */
  private static boolean isScalaObject(Class<?> cl) {
    if (!cl.getName().endsWith("$")) {
      return false;
    }
    try {
      Field module = cl.getDeclaredField("MODULE$");
      cl.getDeclaredMethod("readResolve");
      return Modifier.isStatic(module.getModifiers()) && module.getType() == cl;
    } catch (NoSuchFieldException | NoSuchMethodException e) {
      return false;
    }
  }

  /** Whether a field of type {@code now} holds every value of the field's type in the stream. */
  private static boolean holdsCheckpointType(Class<?> now, SerialStream.Field f,
      ClassLoader loader) {
    String sig = f.signature();
    if (sig == null || sig.length() < 2) {
      return false;
    }
    String name = sig.charAt(0) == 'L' ? sig.substring(1, sig.length() - 1).replace('/', '.')
        : sig.replace('/', '.');
    try {
      return now.isAssignableFrom(Class.forName(name, false, loader));
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * A serialized lambda whose implementation method is gone from the new build, or whose
   * capturing class can no longer recreate it: {@code SerializedLambda.readResolve} calls the
   * capturing class's {@code $deserializeLambda$}, which only recreates its serializable
   * lambdas ({@link ClassFileCode#recreatesLambda}): a lambda or method reference that is not
   * serializable may hold a handle of the same method (one added before it took its name). A
   * capturing class that is gone is reported as a missing class (the stream names it); the
   * platform's is the same in both builds.
   */
  private static Verdict lambdaVerdict(SerializedClasses.Lambda lambda, ClassLoader loader) {
    Verdict v = implementationVerdict(lambda.implClass(), lambda.implMethodName(),
        lambda.implMethodSignature(), loader);
    Class<?> cap = v.fails() || lambda.capturingClass() == null ? null
        : loadedOrNull(lambda.capturingClass(), loader);
    if (cap == null || ReadHooks.isPlatform(cap)) {
      return v;
    }
    ClassFileCode code = ClassFileCode.of(cap);
    if (code == null) {
      return new Verdict(v.className(), "unchecked", null, null, null, "the class file of its"
          + " capturing class " + cap.getName() + " cannot be read: whether its"
          + " $deserializeLambda$ recreates the lambda cannot be told");
    }
    if (!code.declares("$deserializeLambda$",
        "(Ljava/lang/invoke/SerializedLambda;)Ljava/lang/Object;")) {
      return new Verdict(v.className(), "incompatible", null, null, "InvalidObjectException",
          "ReflectiveOperationException during deserialization: the new " + cap.getName()
              + " has no $deserializeLambda$ (it no longer creates a serializable lambda)");
    }
    ClassFileCode.LambdaDeserialization recreates = code.recreatesLambda(lambda.implClass(),
        lambda.implMethodName(), lambda.implMethodSignature());
    if (recreates == ClassFileCode.LambdaDeserialization.UNKNOWN_FORM) {
      return new Verdict(v.className(), "unchecked", null, null, null, "the $deserializeLambda$"
          + " of the new " + cap.getName() + " is neither javac's nor scalac's: whether it"
          + " recreates the lambda cannot be told");
    }
    if (recreates == ClassFileCode.LambdaDeserialization.DOES_NOT_RECREATE) {
      return new Verdict(v.className(), "incompatible", null, null, "InvalidObjectException",
          "ReflectiveOperationException during deserialization: the new " + cap.getName()
              + "'s $deserializeLambda$ does not recreate a lambda implemented by "
              + lambda.implClass().replace('/', '.') + "." + lambda.implMethodName()
              + lambda.implMethodSignature() + " (Invalid lambda deserialization)");
    }
    return v;
  }

  /** A serialized lambda whose implementation method is gone from the new build. */
  private static Verdict implementationVerdict(String c, String n, String s,
      ClassLoader loader) {
    String name = "lambda " + c.replace('/', '.') + "." + n + s;
    Class<?> cl;
    try {
      cl = Class.forName(c.replace('/', '.'), false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return new Verdict(name, "missing", null, null, "ClassNotFoundException",
          "the class holding the lambda's code is not in the new jar");
    }
    if (n.equals("<init>")) {
      for (java.lang.reflect.Constructor<?> k : cl.getDeclaredConstructors()) {
        if (SerialVersion.descriptor(k.getParameterTypes(), void.class).equals(s)) {
          return new Verdict(name, "ok", null, null, null, null);
        }
      }
    } else {
      for (java.lang.reflect.Method m : cl.getDeclaredMethods()) {
        if (m.getName().equals(n) && SerialVersion.descriptor(m.getParameterTypes(),
            m.getReturnType()).equals(s)) {
          return new Verdict(name, "ok", null, null, null, null);
        }
      }
    }
    return new Verdict(name, "incompatible", null, null, "IllegalArgumentException",
        "Invalid lambda deserialization: the new " + cl.getName() + " has no method " + n + s
            + " (lambdas are numbered in source order: an added or removed lambda renames"
            + " them)");
  }

  private static Outcome outcome(MetadataFile file, String jar, List<Verdict> verdicts,
      List<String> staticInitializers, StreamingRddData.Scan data) {
    ObjectNode root = JSON.createObjectNode();
    root.put("checkpoint", file.path.toString());
    root.put("jar", jar);
    long failing = verdicts.stream().filter(Verdict::fails).count();
    long unchecked = verdicts.stream().filter(v -> v.status().equals("unchecked")).count();
    root.put("restartWouldFail", failing > 0);
    root.put("classes", verdicts.size());
    root.put("stateDataFiles", data.files());
    ArrayNode all = root.putArray("verdicts");
    for (Verdict v : verdicts) {
      ObjectNode n = all.addObject();
      n.put("class", v.className()).put("status", v.status());
      if (v.streamSuid() != null) {
        n.put("checkpointSerialVersionUID", v.streamSuid());
      }
      if (v.localSuid() != null) {
        n.put("newSerialVersionUID", v.localSuid());
      }
      if (v.exception() != null) {
        n.put("exception", v.exception());
      }
      if (v.reason() != null) {
        n.put("reason", v.reason());
      }
    }
    ArrayNode initializers = root.putArray("staticInitializers");
    staticInitializers.forEach(initializers::add);
    StringBuilder out = new StringBuilder();
    out.append("Upgrade check of ").append(file.path).append(" against ").append(jar)
        .append('\n');
    if (!data.directories().isEmpty()) {
      out.append("  with the state data it references: ").append(data.files())
          .append(" files of ").append(data.directories().size()).append(" rdd-N checkpoints\n");
    }
    for (Verdict v : verdicts) {
      if (!v.status().equals("ok")) {
        out.append(v.fails() ? "  FAIL      " : "  unchecked ").append(v.className());
        if (v.exception() != null) {
          out.append(": ").append(v.exception());
        }
        out.append("\n            ").append(v.reason()).append('\n');
      }
    }
    if (!staticInitializers.isEmpty()) {
      out.append("  NOTE      the restart runs the static initializer")
          .append(staticInitializers.size() == 1 ? " of " : "s of ")
          .append(String.join(", ", staticInitializers))
          .append("\n            the new build's code, neither run nor judged here: one that"
              + " throws fails the restart (ExceptionInInitializerError)\n");
    }
    String verdict = failing > 0
        ? "Restart would FAIL: " + failing + " of " + verdicts.size() + " classes missing or"
            + " incompatible" + (unchecked > 0 ? " (and " + unchecked + " could not be checked)"
            : "")
        : unchecked > 0
        ? "cannot tell whether a restart would succeed: " + unchecked + " of " + verdicts.size()
            + " classes could not be checked (listed above), the others are compatible"
        : "Restart would succeed: all " + verdicts.size() + " classes compatible";
    out.append(verdict).append('\n');
    root.put("cannotTell", failing == 0 && unchecked > 0);
    return new Outcome(failing > 0 ? Exit.PROBLEMS : unchecked > 0 ? Exit.CANNOT_TELL : Exit.OK,
        root, out.toString());
  }
}
