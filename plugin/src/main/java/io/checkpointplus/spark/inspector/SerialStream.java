package io.checkpointplus.spark.inspector;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectStreamConstants;
import java.io.UTFDataFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A structural reader of the Java serialization stream (the grammar of
 * {@link java.io.ObjectStreamConstants}, Java Object Serialization Specification, chapter 6):
 * class descriptors, field values, block data and back references become plain data
 * ({@link Desc}, {@link Obj}, {@link Arr}, strings, boxed primitives). No class named in the
 * stream is ever loaded, so no code of the application that wrote it runs, and a stream written
 * by classes absent here reads completely.
 *
 * <p>What the stream cannot say: a class with its own {@code writeObject} writes its default
 * fields only if that method calls {@code defaultWriteObject} (or {@code writeFields}) first, and
 * nothing in the stream marks whether it did. This reader assumes it did (the specification's
 * advice, and what every class of Spark, Scala and the JDK met in streaming metadata does), and
 * keeps whatever follows, up to {@code TC_ENDBLOCKDATA}, as that class's annotation.
 */
final class SerialStream implements ObjectStreamConstants {
  /** A class descriptor as written in the stream. */
  static final class Desc {
    final String name;
    final long suid;
    final byte flags;
    final List<Field> fields;
    final List<String> proxyInterfaces;
    Desc superDesc;

    Desc(String name, long suid, byte flags, List<Field> fields, List<String> proxyInterfaces) {
      this.name = name;
      this.suid = suid;
      this.flags = flags;
      this.fields = fields;
      this.proxyInterfaces = proxyInterfaces;
    }

    boolean isProxy() {
      return proxyInterfaces != null;
    }

    /**
     * Whether {@code other} describes the class as this does: the same name, serialVersionUID,
     * flags, fields and proxy interfaces (the superclass descriptors are compared on their own).
     */
    boolean sameAs(Desc other) {
      return name.equals(other.name) && suid == other.suid && flags == other.flags
          && fields.equals(other.fields)
          && java.util.Objects.equals(proxyInterfaces, other.proxyInterfaces);
    }

    boolean has(int flag) {
      return (flags & flag) != 0;
    }

    /** This class and its serializable superclasses, the topmost first. */
    List<Desc> hierarchy() {
      List<Desc> chain = new ArrayList<>();
      for (Desc d = this; d != null; d = d.superDesc) {
        chain.add(0, d);
      }
      return chain;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** One field of a class descriptor: its type code and, for objects, its type signature. */
  record Field(char typeCode, String name, String signature) {
    /** The field's type as Java source spells it. */
    String typeName() {
      return signature != null ? SerialStream.typeName(signature)
          : SerialStream.typeName(String.valueOf(typeCode));
    }
  }

  /** A serialized object: its class, and per class of its hierarchy its fields and annotation. */
  static final class Obj {
    final Desc desc;
    /** Field values by declaring class name then field name. */
    final Map<String, Map<String, Object>> fieldsByClass = new LinkedHashMap<>();
    /** What the class's own writeObject/writeExternal wrote beyond its fields, per class. */
    final Map<String, List<Object>> annotations = new LinkedHashMap<>();

    Obj(Desc desc) {
      this.desc = desc;
    }

    /** The value of field {@code name}, declared by this class or a superclass (nearest first). */
    Object field(String name) {
      List<Desc> chain = desc.hierarchy();
      for (int i = chain.size() - 1; i >= 0; i--) {
        Map<String, Object> values = fieldsByClass.get(chain.get(i).name);
        if (values != null && values.containsKey(name)) {
          return values.get(name);
        }
      }
      return null;
    }

    boolean hasField(String name) {
      for (Map<String, Object> values : fieldsByClass.values()) {
        if (values.containsKey(name)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String toString() {
      return desc.name + "@obj";
    }
  }

  /** An array: its class descriptor and elements (boxed for primitive arrays). */
  record Arr(Desc desc, List<Object> elements) {
  }

  /** An enum constant. */
  record EnumConst(Desc desc, String constant) {
  }

  /** A {@code Class} object written with {@code TC_CLASS}. */
  record ClassRef(Desc desc) {
  }

  /** Raw block data (what writeInt, writeUTF and the like wrote in a class's annotation). */
  record Block(byte[] bytes) {
  }

  private static final Object NULL = new Object();

  private final DataInputStream in;
  private final List<Object> handles = new ArrayList<>();
  private final List<Desc> descriptors = new ArrayList<>();
  /** The deepest object nesting read; deeper is reported as an IOException. */
  static final int MAX_DEPTH = 400;
  private final int maxDepth;
  private int depth;

  SerialStream(InputStream in) {
    this.in = new DataInputStream(in.markSupported() ? in : new java.io.BufferedInputStream(in));
    // ObjectInputStream needs several frames per nested object; 2000 overflowed the default
    // stack near 1900. 400 nested objects is far beyond what Spark's checkpoints hold.
    this.maxDepth = MAX_DEPTH;
  }

  /** Every class descriptor read so far, in stream order (each once). */
  List<Desc> descriptors() {
    return descriptors;
  }

  /**
   * The class descriptors read since the last call, in stream order; forgets them (a long
   * stream of records rewrites its descriptors after every reset).
   */
  List<Desc> drainDescriptors() {
    List<Desc> out = new ArrayList<>(descriptors);
    descriptors.clear();
    return out;
  }

  /**
   * Reads the stream header and the first top-level object, as {@code readObject} would.
   *
   * @throws IOException when the bytes do not follow the grammar, naming the offending element
   */
  Object readTopLevel() throws IOException {
    readHeader();
    return unwrap(readGuarded());
  }

  /**
   * Reads the stream header only; the objects follow with {@link #next(Object[])} (a
   * serializer's stream of records, which may hold none).
   *
   * @throws IOException when the bytes do not start with the header
   */
  void readHeader() throws IOException {
    short magic = in.readShort();
    short version = in.readShort();
    if (magic != STREAM_MAGIC || version != STREAM_VERSION) {
      throw new IOException(String.format("not a Java serialization stream: header %04x %04x,"
          + " expected %04x %04x", magic & 0xffff, version & 0xffff, STREAM_MAGIC,
          STREAM_VERSION));
    }
  }

  /** {@link #readContent()}, with a stack overflow (a thread with a small stack) an IOException. */
  private Object readGuarded() throws IOException {
    try {
      return readContent();
    } catch (StackOverflowError e) {
      depth = 0;
      throw new IOException("object graph nested too deeply to decode (stack overflow below "
          + maxDepth + " levels)");
    }
  }

  private static Object unwrap(Object o) {
    return o == NULL ? null : o;
  }

  /**
   * Reads the next top-level object after {@link #readHeader()} or {@link #readTopLevel()} (a
   * serializer's stream of records: several objects, resets between them) into
   * {@code into[0]}.
   *
   * @return false at the end of the stream, between two objects
   */
  boolean next(Object[] into) throws IOException {
    while (true) {
      in.mark(1);
      int b = in.read();
      if (b < 0) {
        return false;
      }
      if (b == TC_RESET) {
        handles.clear();
        continue;
      }
      in.reset();
      into[0] = unwrap(readGuarded());
      return true;
    }
  }

  private Object readContent() throws IOException {
    byte tc = in.readByte();
    return readContent(tc);
  }

  private Object readContent(byte tc) throws IOException {
    if (++depth > maxDepth) {
      throw new IOException("object graph nested deeper than " + maxDepth + " levels: not"
          + " decoded");
    }
    try {
      switch (tc) {
        case TC_NULL:
          return NULL;
        case TC_REFERENCE:
          return handle(in.readInt());
        case TC_CLASSDESC:
        case TC_PROXYCLASSDESC:
          return readClassDescBody(tc);
        case TC_OBJECT:
          return readObject();
        case TC_STRING:
          return newHandle(in.readUTF());
        case TC_LONGSTRING:
          return newHandle(readLongUtf());
        case TC_ARRAY:
          return readArray();
        case TC_ENUM: {
          Desc d = readClassDesc();
          int h = reserveHandle();
          Object name = readContent();
          EnumConst e = new EnumConst(d, (String) unwrap(name));
          handles.set(h, e);
          return e;
        }
        case TC_CLASS: {
          ClassRef c = new ClassRef(readClassDesc());
          return newHandle(c);
        }
        case TC_BLOCKDATA:
          return new Block(in.readNBytes(in.readUnsignedByte()));
        case TC_BLOCKDATALONG: {
          int len = in.readInt();
          if (len < 0 || len > (64 << 20)) {
            throw new IOException("block data of " + len + " bytes");
          }
          return new Block(readFully(len));
        }
        case TC_RESET:
          handles.clear();
          return readContent();
        case TC_EXCEPTION:
          handles.clear();
          Object thrown = readContent();
          handles.clear();
          throw new IOException("the writer failed while serializing and wrote an exception: "
              + describe(thrown));
        default:
          throw new IOException(String.format("unexpected type code 0x%02x", tc));
      }
    } finally {
      depth--;
    }
  }

  private static String describe(Object o) {
    return o instanceof Obj obj ? obj.desc.name : String.valueOf(o);
  }

  private byte[] readFully(int len) throws IOException {
    byte[] b = in.readNBytes(len);
    if (b.length != len) {
      throw new EOFException("stream ends inside block data");
    }
    return b;
  }

  private String readLongUtf() throws IOException {
    long len = in.readLong();
    if (len < 0 || len > (64 << 20)) {
      throw new UTFDataFormatException("string of " + len + " bytes");
    }
    byte[] bytes = readFully((int) len);
    // modified UTF-8 with a long length: re-frame it for readUTF in 65535-byte pieces is not
    // possible, so decode directly (identical to UTF-8 except NUL and supplementary chars)
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  private Object handle(int wire) throws IOException {
    int index = wire - baseWireHandle;
    if (index < 0 || index >= handles.size()) {
      throw new IOException(String.format("reference to unknown handle 0x%08x", wire));
    }
    return handles.get(index);
  }

  private <T> T newHandle(T value) {
    handles.add(value);
    return value;
  }

  private int reserveHandle() {
    handles.add(NULL);
    return handles.size() - 1;
  }

  /** A class descriptor position: {@code TC_CLASSDESC}, proxy, {@code TC_NULL} or a reference. */
  private Desc readClassDesc() throws IOException {
    Object o = unwrap(readContent());
    if (o == null || o instanceof Desc) {
      return (Desc) o;
    }
    throw new IOException("expected a class descriptor, found " + describe(o));
  }

  private Desc readClassDescBody(byte tc) throws IOException {
    Desc desc;
    if (tc == TC_PROXYCLASSDESC) {
      int h = reserveHandle();
      int n = in.readInt();
      List<String> interfaces = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        interfaces.add(in.readUTF());
      }
      desc = new Desc("$Proxy" + interfaces, 0L, SC_SERIALIZABLE, List.of(), interfaces);
      handles.set(h, desc);
    } else {
      String name = in.readUTF();
      long suid = in.readLong();
      int h = reserveHandle();
      byte flags = in.readByte();
      int count = in.readShort();
      List<Field> fields = new ArrayList<>();
      // The descriptor's handle is assigned before its fields are read: a field's type
      // signature string may already be a reference.
      desc = new Desc(name, suid, flags, fields, null);
      handles.set(h, desc);
      for (int i = 0; i < count; i++) {
        char code = (char) in.readByte();
        String fieldName = in.readUTF();
        String signature = null;
        if (code == 'L' || code == '[') {
          Object sig = unwrap(readContent());
          if (!(sig instanceof String s)) {
            throw new IOException("field " + name + "." + fieldName + " has no type signature");
          }
          signature = s;
        } else if ("BCDFIJSZ".indexOf(code) < 0) {
          throw new IOException("field " + name + "." + fieldName + " has type code " + code);
        }
        fields.add(new Field(code, fieldName, signature));
      }
    }
    descriptors.add(desc);
    skipAnnotation(null);
    desc.superDesc = readClassDesc();
    return desc;
  }

  /** Contents up to {@code TC_ENDBLOCKDATA}; kept in {@code into} when not null. */
  private void skipAnnotation(List<Object> into) throws IOException {
    while (true) {
      byte tc = in.readByte();
      if (tc == TC_ENDBLOCKDATA) {
        return;
      }
      Object o = unwrap(readContent(tc));
      if (into != null) {
        into.add(o);
      }
    }
  }

  private Obj readObject() throws IOException {
    Desc desc = readClassDesc();
    if (desc == null) {
      throw new IOException("object without class descriptor");
    }
    Obj obj = new Obj(desc);
    newHandle(obj);
    if (desc.has(SC_EXTERNALIZABLE)) {
      if (!desc.has(SC_BLOCK_DATA)) {
        throw new IOException(desc.name + " was written with protocol 1 (no block data):"
            + " its contents cannot be read without its class");
      }
      List<Object> annotation = new ArrayList<>();
      skipAnnotation(annotation);
      obj.annotations.put(desc.name, annotation);
      return obj;
    }
    for (Desc d : desc.hierarchy()) {
      Map<String, Object> values = new LinkedHashMap<>();
      for (Field f : d.fields) {
        values.put(f.name(), readValue(f.typeCode()));
      }
      obj.fieldsByClass.put(d.name, values);
      if (d.has(SC_WRITE_METHOD)) {
        List<Object> annotation = new ArrayList<>();
        skipAnnotation(annotation);
        obj.annotations.put(d.name, annotation);
      }
    }
    return obj;
  }

  private Object readValue(char code) throws IOException {
    switch (code) {
      case 'B': return in.readByte();
      case 'C': return in.readChar();
      case 'D': return in.readDouble();
      case 'F': return in.readFloat();
      case 'I': return in.readInt();
      case 'J': return in.readLong();
      case 'S': return in.readShort();
      case 'Z': return in.readBoolean();
      case 'L':
      case '[': return unwrap(readContent());
      default: throw new IOException("unknown type code " + code);
    }
  }

  private Arr readArray() throws IOException {
    Desc desc = readClassDesc();
    if (desc == null || !desc.name.startsWith("[")) {
      throw new IOException("array with class descriptor " + desc);
    }
    int h = reserveHandle();
    int size = in.readInt();
    if (size < 0 || size > (64 << 20)) {
      throw new IOException("array of " + size + " elements");
    }
    List<Object> elements = new ArrayList<>(Math.min(size, 1 << 16));
    Arr arr = new Arr(desc, elements);
    handles.set(h, arr);
    char code = desc.name.charAt(1);
    for (int i = 0; i < size; i++) {
      elements.add(readValue(code));
    }
    return arr;
  }

  /** A field or array type signature as Java source spells it. */
  static String typeName(String signature) {
    int dims = 0;
    while (dims < signature.length() && signature.charAt(dims) == '[') {
      dims++;
    }
    String base = signature.substring(dims);
    String name = switch (base.isEmpty() ? ' ' : base.charAt(0)) {
      case 'B' -> "byte";
      case 'C' -> "char";
      case 'D' -> "double";
      case 'F' -> "float";
      case 'I' -> "int";
      case 'J' -> "long";
      case 'S' -> "short";
      case 'Z' -> "boolean";
      case 'L' -> base.substring(1, base.length() - 1).replace('/', '.');
      default -> base;
    };
    return name + "[]".repeat(dims);
  }
}
