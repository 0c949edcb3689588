package io.checkpointplus.spark.structured;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two writers of one state file, as two attempts of one state task are (a zombie attempt on a
 * lost executor and its retry, or speculation): each publishes the file and then its record,
 * and the store may see the second writer's file and record between the first writer's two
 * steps. The file that stayed is a writer's whole file, and Spark reads it; the plugin must
 * not call it damaged. Through the plugin's real {@code CheckpointFileManager} over Spark's own,
 * on local files whose renames the test orders ({@link InterleavingFileSystem}).
 */
class TwoWritersOfOneStateFileTest {
  @TempDir
  Path tmp;

  private static final byte[] FIRST = "the first attempt's state".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SECOND =
      "the second attempt's state, in another order".getBytes(StandardCharsets.UTF_8);

  private Object manager(org.apache.hadoop.fs.Path dir) throws Exception {
    Configuration conf = new Configuration();
    conf.set("fs." + InterleavingFileSystem.SCHEME + ".impl",
        InterleavingFileSystem.class.getName());
    conf.setBoolean("fs." + InterleavingFileSystem.SCHEME + ".impl.disable.cache", true);
    // Spark 4.1 checksums state files itself unless told not to; then the plugin records them.
    conf.setBoolean("spark.sql.streaming.checkpoint.fileChecksum.enabled", false);
    return Class.forName(QueryCheckpointActivationTest.adapter())
        .getConstructor(org.apache.hadoop.fs.Path.class, Configuration.class)
        .newInstance(dir, conf);
  }

  private static Object call(Object manager, String method, Object... args) throws Exception {
    for (java.lang.reflect.Method m : manager.getClass().getMethods()) {
      if (m.getName().equals(method) && m.getParameterCount() == args.length) {
        try {
          return m.invoke(manager, args);
        } catch (InvocationTargetException e) {
          throw e.getCause() instanceof Exception x ? x : new RuntimeException(e.getCause());
        }
      }
    }
    throw new NoSuchMethodException(method);
  }

  /** A state task's commit: Spark's createAtomic with overwrite, as its state stores call it. */
  private static Void write(Object manager, org.apache.hadoop.fs.Path file, byte[] content)
      throws Exception {
    try (FSDataOutputStream out = (FSDataOutputStream) call(manager, "createAtomic", file, true)) {
      out.write(content);
    }
    return null;
  }

  private static byte[] read(Object manager, org.apache.hadoop.fs.Path file) throws Exception {
    try (InputStream in = (InputStream) call(manager, "open", file)) {
      return in.readAllBytes();
    }
  }

  @Test
  void theFileThatStayedIsReadWhicheverWritersRecordCameLastAndDamageIsStillNamed()
      throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("location/state/0/0"));
    org.apache.hadoop.fs.Path file =
        new org.apache.hadoop.fs.Path(InterleavingFileSystem.SCHEME + "://" + dir + "/3.delta");
    Object manager = manager(file.getParent());
    // The first writer is held once its file is published, until the second's record is.
    InterleavingFileSystem.arm("3.delta", ".3.delta.integrity");
    ExecutorService firstAttempt = Executors.newSingleThreadExecutor();
    try {
      Future<Void> first = firstAttempt.submit(() -> write(manager, file, FIRST));
      assertTrue(InterleavingFileSystem.heldPublished.await(60, TimeUnit.SECONDS));
      write(manager, file, SECOND);
      first.get(60, TimeUnit.SECONDS);
    } finally {
      firstAttempt.shutdownNow();
    }
    Path published = dir.resolve("3.delta");
    assertArrayEquals(SECOND, Files.readAllBytes(published), "the second writer's file stayed");
    String record = Files.readString(dir.resolve(".3.delta.integrity"));
    assertTrue(record.contains("\"bytes\":" + FIRST.length), "the first writer's record came last: "
        + record);

    assertArrayEquals(SECOND, read(manager, file));

    // Damage at rest (a byte flipped, the file's time unchanged) is still damage.
    FileTime time = Files.getLastModifiedTime(published);
    byte[] flipped = SECOND.clone();
    flipped[3] ^= 0x20;
    Files.write(published, flipped);
    Files.setLastModifiedTime(published, time);
    IOException damage = assertThrows(IOException.class, () -> read(manager, file));
    assertTrue(damage.getMessage().contains("3.delta"), damage.getMessage());
    assertEquals(QueryFileIntegrityException.class, damage.getClass());
  }

  /**
   * On local disk the first record is created only if absent; a second writer adds its entry
   * to the first's, and a third writing what a recorded writer wrote adds nothing.
   */
  @Test
  void onLocalDiskEachWritersEntryIsKeptOnce() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("location/state/0/1"));
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.toUri() + "/5.delta");
    Object manager = manager(file.getParent());
    write(manager, file, FIRST);
    write(manager, file, SECOND);
    write(manager, file, FIRST);
    String record = Files.readString(dir.resolve(".5.delta.integrity"));
    assertEquals(2, record.split("\"bytes\":").length - 1, record);
    assertTrue(record.startsWith("{\"version\":2,\"file\":\"5.delta\",\"bytes\":" + FIRST.length),
        "the latest writer's entry first: " + record);
    assertArrayEquals(FIRST, read(manager, file));
    // The record was rewritten with the third write, so it is not older than the file, and
    // damage at rest after it is still damage.
    Path published = dir.resolve("5.delta");
    FileTime time = Files.getLastModifiedTime(published);
    byte[] flipped = FIRST.clone();
    flipped[1] ^= 0x20;
    Files.write(published, flipped);
    Files.setLastModifiedTime(published, time);
    Files.deleteIfExists(dir.resolve(".5.delta.crc"));
    assertEquals(QueryFileIntegrityException.class,
        assertThrows(IOException.class, () -> read(manager, file)).getClass());
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      assertEquals(java.util.List.of(".5.delta.integrity", "5.delta"),
          files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files");
    }
  }
}
