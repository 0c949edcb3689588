package io.checkpointplus.spark.inspector;

import java.io.IOException;
import java.io.ObjectStreamClass;
import java.util.Collection;

/**
 * Whether a Java serialization class descriptor that names a class not on this class path is
 * proof of a corrupted class name rather than a class merely missing here (an application class
 * whose jar the inspector was not given). Spark fails the read with
 * {@code ClassNotFoundException} either way; only proof makes it "damaged", anything less stays
 * "cannot tell": calling a healthy checkpoint damaged because its jar is missing is worse than
 * not telling. Proof is either of:
 *
 * <ul>
 *   <li>a name no class can have (JVMS 4.2.1: a binary name is identifiers separated by
 *       {@code .}, none empty, none holding {@code ; [ /}; an array name is up to 255 {@code [}
 *       and one primitive code or {@code L}, a binary name, {@code ;});</li>
 *   <li>the serialVersionUID of a class that is on this class path and does not declare one:
 *       that value is computed from the class's name among other things (SHA-1, Java Object
 *       Serialization Specification 4.6), so a class of another name has it only by a 64-bit
 *       coincidence or by declaring it, copied from that class's computed value. The candidates
 *       are the other classes the same checkpoint names with the same fields (a descriptor is
 *       resent after every reset of the stream, so a damaged copy usually has intact twins) and
 *       classes the caller knows the stream should hold (Spark's partitioners). A declared
 *       value proves nothing (two classes of an application may declare {@code 1L}), except
 *       for a name in a {@code java.} package, where no class outside the JDK can be defined
 *       and the JDK has no two such twins.</li>
 * </ul>
 *
 * <p>What it cannot see: a corrupted name of a class that declares its serialVersionUID (most of
 * the JDK's, {@code scala.Some}, ...) outside {@code java.}, or of one whose descriptor appears
 * only once, stays "cannot tell".
 */
final class CorruptedClassName {
  private CorruptedClassName() {
  }

  /**
   * Why {@code d}, whose class {@code loader} cannot find, is a damaged descriptor; null where
   * that cannot be proven.
   *
   * @param seen the other descriptors of the same checkpoint
   * @param expected classes the stream is known to hold where it is intact (the {@code
   *     _partitioner}'s Spark partitioners), compared by serialVersionUID alone
   */
  static String evidence(SerialStream.Desc d, Collection<SerialStream.Desc> seen,
      Collection<String> expected, ClassLoader loader) {
    if (d.isProxy()) {
      return null;
    }
    String impossible = impossibleName(d.name);
    if (impossible != null) {
      return "class name \"" + d.name + "\", which no class can have (" + impossible
          + "): a corrupted name";
    }
    for (SerialStream.Desc e : seen) {
      if (e == d || e.isProxy() || e.name.equals(d.name) || !sameShape(d, e)) {
        continue;
      }
      String proof = twin(d, e.name, loader, d.name.startsWith("java."));
      if (proof != null) {
        return proof + ", and the fields of the checkpoint's other " + e.name
            + " descriptors: a corrupted copy of one";
      }
    }
    for (String name : expected) {
      if (!name.equals(d.name)) {
        String proof = twin(d, name, loader, false);
        if (proof != null) {
          return proof + ": a corrupted " + name;
        }
      }
    }
    return null;
  }

  /**
   * The proof that {@code d} describes class {@code name} (on this class path, its
   * serialVersionUID equal to {@code d}'s), or null.
   *
   * @param declaredCounts whether a declared serialVersionUID proves it too
   */
  private static String twin(SerialStream.Desc d, String name, ClassLoader loader,
      boolean declaredCounts) {
    Class<?> cl;
    try {
      cl = Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
    long suid;
    boolean declared;
    try {
      if (cl.isArray()) {
        // an array class declares nothing and has no code: looking it up runs none
        suid = ObjectStreamClass.lookup(cl).getSerialVersionUID();
        declared = false;
      } else {
        SerialVersion.Value v = SerialVersion.of(cl, loader);
        if (v.unknownBecause() != null || v.suid() == null) {
          return null;
        }
        suid = v.suid();
        declared = v.declared();
      }
    } catch (IOException | RuntimeException | LinkageError e) {
      return null;
    }
    if (suid != d.suid || (declared && !declaredCounts)) {
      return null;
    }
    return "class name \"" + d.name + "\" in a descriptor with serialVersionUID " + d.suid
        + ", " + (declared ? "the one " + name + " declares (no class outside the JDK can be"
            + " in a java. package)" : "the value computed from the name " + name + " (which"
            + " declares none)");
  }

  /** Same serialVersionUID, flags and fields, and the same superclass descriptors. */
  private static boolean sameShape(SerialStream.Desc a, SerialStream.Desc b) {
    for (; a != null && b != null; a = a.superDesc, b = b.superDesc) {
      if (a.suid != b.suid || a.flags != b.flags || !a.fields.equals(b.fields)) {
        return false;
      }
      if (a.superDesc != null && b.superDesc != null && !a.superDesc.name.equals(
          b.superDesc.name)) {
        return false;
      }
    }
    return a == null && b == null;
  }

  /** Why no class can be named {@code name}; null if one could. */
  static String impossibleName(String name) {
    if (name.isEmpty()) {
      return "it is empty";
    }
    int dims = 0;
    while (dims < name.length() && name.charAt(dims) == '[') {
      dims++;
    }
    String binary = name;
    if (dims > 0) {
      if (dims > 255) {
        return "an array of more than 255 dimensions";
      }
      String element = name.substring(dims);
      if (element.length() == 1 && "BCDFIJSZ".indexOf(element.charAt(0)) >= 0) {
        return null;
      }
      if (element.length() < 3 || element.charAt(0) != 'L' || !element.endsWith(";")) {
        return "an array name whose element is neither a primitive code nor L<class>;";
      }
      binary = element.substring(1, element.length() - 1);
    }
    for (String part : binary.split("\\.", -1)) {
      if (part.isEmpty()) {
        return "an empty part between dots";
      }
      for (char c : new char[] {'/', ';', '['}) {
        if (part.indexOf(c) >= 0) {
          return "'" + c + "' in a class name";
        }
      }
    }
    return null;
  }
}
