package io.checkpointplus.spark.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import org.apache.spark.SparkException;

/**
 * A partition write that failed and reports its failure as the task's result instead of failing
 * the task. A background write does this on its last allowed attempt: a failed task aborts its
 * stage, and Spark 3.4's {@code abortStage} also fails every running job whose stages read the
 * same RDD through narrow dependencies, such as the next streaming batch reading the state just
 * written. Reported this way, the failure reaches only the write, which rethrows it on the driver
 * ({@link #toException}) exactly where a failed job would have surfaced.
 *
 * <p>The cause travels Java-serialized, beside its full text (stack traces and causes, as the
 * executor's log has it): one that cannot be serialized, or read back on the driver, is
 * replaced by an exception carrying that text.
 */
record PartitionWriteFailure(int partition, long taskAttemptId, int attemptNumber,
    Throwable cause) {

  /** The first byte of an encoded failure ({@link PartitionWriteResult#WRITTEN} for success). */
  static final byte FAILED = 'F';

  static boolean isFailure(byte[] encoded) {
    return encoded.length > 0 && encoded[0] == FAILED;
  }

  byte[] toBytes() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);
    try (DataOutputStream out = new DataOutputStream(buffer)) {
      out.writeByte(FAILED);
      out.writeInt(partition);
      out.writeLong(taskAttemptId);
      out.writeInt(attemptNumber);
      byte[] text = stackTrace(cause).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeInt(text.length);
      out.write(text);
      byte[] serialized = serialize(cause);
      out.writeInt(serialized.length);
      out.write(serialized);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  static PartitionWriteFailure fromBytes(byte[] encoded) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
      if (in.readByte() != FAILED) {
        throw new IOException("not an encoded PartitionWriteFailure");
      }
      int partition = in.readInt();
      long attempt = in.readLong();
      int attemptNumber = in.readInt();
      String text = new String(in.readNBytes(in.readInt()),
          java.nio.charset.StandardCharsets.UTF_8);
      byte[] serialized = in.readNBytes(in.readInt());
      return new PartitionWriteFailure(partition, attempt, attemptNumber,
          deserialize(serialized, text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The exception the write rethrows on the driver: names the RDD, partition and attempt. */
  SparkException toException(int rddId) {
    return new SparkException("Checkpoint write of RDD " + rddId + " failed: partition "
        + partition + " (task attempt " + taskAttemptId + ", attempt number " + attemptNumber
        + ") failed with " + cause, cause);
  }

  private static byte[] serialize(Throwable t) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(t);
    } catch (IOException | RuntimeException notSerializable) {
      bytes.reset();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(new RuntimeException(stackTrace(t)));
      }
    }
    return bytes.toByteArray();
  }

  private static String stackTrace(Throwable t) {
    java.io.StringWriter w = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(w, true));
    return w.toString();
  }

  private static Throwable deserialize(byte[] serialized, String text) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(serialized)) {
      @Override
      protected Class<?> resolveClass(java.io.ObjectStreamClass desc)
          throws IOException, ClassNotFoundException {
        // The application's exception classes are on the driver's context class loader.
        try {
          return Class.forName(desc.getName(), false,
              Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
          return super.resolveClass(desc);
        }
      }
    }) {
      return (Throwable) in.readObject();
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      return new RuntimeException("(not readable on the driver: " + e + ") " + text);
    }
  }
}
