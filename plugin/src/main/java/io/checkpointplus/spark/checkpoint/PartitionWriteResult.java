package io.checkpointplus.spark.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What one task of a checkpoint job reports back about the partition it wrote: the facts the
 * manifest and the audit events need, counted where the bytes were written.
 *
 * <p>{@code records} is {@link #NOT_COUNTED} for a partition written by byte copy: its records
 * were never deserialized, so nobody counted them.
 *
 * <p>Task results travel through the application's {@code spark.serializer}, which may be Kryo
 * with {@code registrationRequired}: a task returns this record encoded as a {@code byte[]}
 * ({@link #toBytes()}), which every Spark serializer handles. A task whose failure is reported
 * rather than thrown returns a {@link PartitionWriteFailure} in the same way; the first byte
 * tells the two apart.
 */
public record PartitionWriteResult(int partition, String file, long bytes, long records,
    long crc32c, boolean fromCache, long writeNanos, WritePath writePath, long taskAttemptId) {

  /** {@code records} of a partition whose records were not counted. */
  public static final long NOT_COUNTED = -1;

  /** Whether {@link #records()} is a count (false for a byte-copied partition). */
  public boolean recordsCounted() {
    return records != NOT_COUNTED;
  }

  /** The first byte of an encoded result. */
  static final byte WRITTEN = 'W';

  public byte[] toBytes() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(buffer)) {
      out.writeByte(WRITTEN);
      out.writeInt(partition);
      out.writeUTF(file);
      out.writeLong(bytes);
      out.writeLong(records);
      out.writeLong(crc32c);
      out.writeBoolean(fromCache);
      out.writeLong(writeNanos);
      out.writeUTF(writePath.wireName());
      out.writeLong(taskAttemptId);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  public static PartitionWriteResult fromBytes(byte[] encoded) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
      if (in.readByte() != WRITTEN) {
        throw new IOException("not an encoded PartitionWriteResult");
      }
      return new PartitionWriteResult(in.readInt(), in.readUTF(), in.readLong(), in.readLong(),
          in.readLong(), in.readBoolean(), in.readLong(), WritePath.fromWireName(in.readUTF()),
          in.readLong());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
