package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A metadata file whose object graph is nested thousands deep (a long linked structure) is a
 * clear error (exit 3, naming the file), never a StackOverflowError with a stack trace.
 */
class DeepGraphTest {
  @TempDir
  static Path tmp;

  @Test
  void aDeeplyNestedGraphIsAClearErrorNotAStackOverflow() throws Throwable {
    Fixtures.onlyWithTheDefaultSerializer();
    Path file = tmp.resolve("checkpoint-1000");
    Throwable[] failed = new Throwable[1];
    // Java's own writer recurses too: write from a thread with a large stack.
    Thread writer = new Thread(null, () -> {
      try (OutputStream raw = Files.newOutputStream(file);
          ObjectOutputStream out = new ObjectOutputStream(raw)) {
        List<Object> deep = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
          List<Object> outer = new ArrayList<>();
          outer.add(deep);
          deep = outer;
        }
        out.writeObject(deep);
      } catch (Throwable e) {
        failed[0] = e;
      }
    }, "deep-writer", 1L << 30);
    writer.start();
    writer.join();
    if (failed[0] != null) {
      throw failed[0];
    }
    InspectorRun run = InspectorRun.of("show", file.toString());
    assertEquals(3, run.exitCode(), run.toString());
    assertTrue(run.err().contains(file.getFileName().toString()), run.err());
    assertTrue(run.err().contains("nested"), run.err());
    assertFalse(run.err().contains("\tat "), run.err());
  }
}
