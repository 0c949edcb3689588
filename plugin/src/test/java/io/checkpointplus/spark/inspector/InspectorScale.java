package io.checkpointplus.spark.inspector;

import io.checkpointplus.spark.files.CheckpointManifest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * Measures {@code list} and {@code verify} over a root of {@code rdds x parts} partition files
 * (default 100 x 100 = 10,000, each {@code bytes} long, with manifests) on local disk. Test code,
 * not a benchmark of the plugin: run with
 * {@code mvn -q -o -pl plugin/scala-2.12 test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.checkpointplus.spark.inspector.InspectorScale -Dexec.args="DIR 100 100 4096"}.
 */
public final class InspectorScale {
  private InspectorScale() {
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    int rdds = Integer.parseInt(args[1]);
    int parts = Integer.parseInt(args[2]);
    int bytes = Integer.parseInt(args[3]);
    Path uuid = root.resolve(java.util.UUID.randomUUID().toString());
    Random random = new Random(1);
    byte[] data = new byte[bytes];
    for (int r = 0; r < rdds; r++) {
      Path dir = Files.createDirectories(uuid.resolve("rdd-" + r));
      List<CheckpointManifest.Entry> entries = new ArrayList<>();
      for (int p = 0; p < parts; p++) {
        random.nextBytes(data);
        String name = String.format("part-%05d", p);
        Files.write(dir.resolve(name), data);
        CRC32C crc = new CRC32C();
        crc.update(data);
        entries.add(new CheckpointManifest.Entry(p, name, bytes, 10L, crc.getValue()));
      }
      Files.writeString(dir.resolve(CheckpointManifest.FILE_NAME), new CheckpointManifest(1,
          "scale", "org.apache.spark.serializer.JavaSerializer", false, null, entries).toJson());
    }
    System.out.println("made " + rdds * parts + " part files of " + bytes + " bytes in "
        + root);
    for (String[] command : List.of(new String[] {"list", root.toString(), "--json"},
        new String[] {"verify", root.toString(), "--json"},
        new String[] {"verify", root.toString(), "--checksum", "--json"})) {
      for (int round = 0; round < 3; round++) {
        long start = System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CheckpointPlusCommand.run(command, new PrintStream(out, true,
            StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("%s round %d: exit %d, %d ms, %d bytes of JSON, progress lines %d%n",
            String.join(" ", command).replace(root.toString(), "ROOT"), round, code, ms,
            out.size(), err.toString(StandardCharsets.UTF_8).lines().count());
      }
    }
  }
}
