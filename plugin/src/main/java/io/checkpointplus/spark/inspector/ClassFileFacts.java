package io.checkpointplus.spark.inspector;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * The two facts about a class that reflection cannot give without running its static
 * initializer, read from its class file bytes: whether it has a static initializer
 * ({@code <clinit>}, part of the default {@code serialVersionUID}), and the value of a
 * {@code static final long serialVersionUID} field when it is a compile-time constant
 * ({@code ConstantValue} attribute; reading the field reflectively would initialise the class).
 * A small parser of the class file format (JVMS chapter 4): constant pool, fields, methods.
 */
record ClassFileFacts(boolean hasStaticInitializer, boolean declaresSerialVersionUid,
    Long declaredSerialVersionUid) {

  static ClassFileFacts parse(byte[] bytes) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    long[] longs = new long[count];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 3, 4 -> in.readInt();
        case 5 -> longs[i++] = in.readLong();
        case 6 -> {
          in.readDouble();
          i++;
        }
        case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
        case 9, 10, 11, 12, 17, 18 -> in.readInt();
        case 15 -> {
          in.readUnsignedByte();
          in.readUnsignedShort();
        }
        default -> throw new IOException("unknown constant pool tag " + tag + " at " + i);
      }
    }
    in.readUnsignedShort(); // access
    in.readUnsignedShort(); // this
    in.readUnsignedShort(); // super
    int interfaces = in.readUnsignedShort();
    for (int i = 0; i < interfaces; i++) {
      in.readUnsignedShort();
    }
    boolean declares = false;
    Long declared = null;
    int fields = in.readUnsignedShort();
    for (int i = 0; i < fields; i++) {
      int access = in.readUnsignedShort();
      String name = utf8[in.readUnsignedShort()];
      String descriptor = utf8[in.readUnsignedShort()];
      boolean suid = "serialVersionUID".equals(name) && "J".equals(descriptor)
          && (access & 0x0008) != 0 && (access & 0x0010) != 0;
      declares |= suid;
      int attributes = in.readUnsignedShort();
      for (int a = 0; a < attributes; a++) {
        String attr = utf8[in.readUnsignedShort()];
        int len = in.readInt();
        if (suid && "ConstantValue".equals(attr) && len == 2) {
          declared = longs[in.readUnsignedShort()];
        } else {
          in.skipNBytes(len);
        }
      }
    }
    boolean clinit = false;
    int methods = in.readUnsignedShort();
    for (int i = 0; i < methods; i++) {
      in.readUnsignedShort();
      clinit |= "<clinit>".equals(utf8[in.readUnsignedShort()]);
      in.readUnsignedShort();
      int attributes = in.readUnsignedShort();
      for (int a = 0; a < attributes; a++) {
        in.readUnsignedShort();
        in.skipNBytes(in.readInt());
      }
    }
    return new ClassFileFacts(clinit, declares, declared);
  }
}
