package io.checkpointplus.spark.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.files.InProcessHdfs;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A query location on real HDFS ({@code MiniDFSCluster}): output and restarts as stock Spark's,
 * every file recorded beside it on HDFS, and a damaged offsets file there named in the failure
 * of the restart that would use it.
 */
class QueryOnHdfsTest {
  private static InProcessHdfs hdfs;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startHdfs(@TempDir Path base) throws Exception {
    hdfs = InProcessHdfs.start(base, 1, Map.of());
  }

  @AfterAll
  static void stopHdfs() {
    if (hdfs != null) {
      hdfs.close();
    }
  }

  @Test
  void aQueryOnHdfsRunsAsStocksAndDamageToItsOffsetsIsNamed() throws Exception {
    Path input = tmp.resolve("in");
    Path audit = tmp.resolve("audit.jsonl");
    StatefulQuery.addInput(input, "a.txt", "x", "y", "x");
    StatefulQuery.addInput(input, "b.txt", "y", "z");
    String stock = hdfs.uri("/stock");
    String plugin = hdfs.uri("/plugin");
    assertEquals(StatefulQuery.runOnce(false, audit, input, stock, Map.of()),
        StatefulQuery.runOnce(true, audit, input, plugin, Map.of()));

    FileSystem fs = hdfs.fileSystem();
    List<String> records = QueryCheckpointIntegrityTest.sparkChecksumsStateFiles()
        ? List.of("metadata", "offsets/1", "commits/1", "sources/0/1")
        : List.of("metadata", "offsets/1", "commits/1", "sources/0/1", "state/0/0/2.delta",
            "state/0/1/2.delta");
    for (String file : records) {
      org.apache.hadoop.fs.Path data = new org.apache.hadoop.fs.Path(plugin + "/" + file);
      assertTrue(fs.exists(data), file);
      assertTrue(fs.exists(IntegrityRecord.pathFor(data)), "record of " + file);
    }

    // A restart that reads (and checks) the records on HDFS.
    StatefulQuery.addInput(input, "c.txt", "x", "w");
    List<String> third = StatefulQuery.runOnce(false, audit, input, stock, Map.of());
    assertEquals(List.of("batch 2: [w=1, x=3]"), third);
    assertEquals(third, StatefulQuery.runOnce(true, audit, input, plugin, Map.of()));

    // One value of the latest offsets changed in place, size unchanged.
    org.apache.hadoop.fs.Path offsets = new org.apache.hadoop.fs.Path(plugin + "/offsets/2");
    String content;
    try (InputStream in = fs.open(offsets)) {
      content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(content.contains("\"logOffset\":2"), content);
    try (OutputStream out = fs.create(offsets, true)) {
      out.write(content.replace("\"logOffset\":2", "\"logOffset\":1")
          .getBytes(StandardCharsets.UTF_8));
    }
    StatefulQuery.addInput(input, "d.txt", "z");
    Exception failure = assertThrows(Exception.class,
        () -> StatefulQuery.runOnce(true, audit, input, plugin, Map.of()));
    String message = ExceptionUtils.getStackTrace(failure);
    assertTrue(message.contains(plugin + "/offsets/2 differs from what was committed"),
        message);
    List<JsonNode> damaged = LocalSpark.events(audit, "streaming.file.damaged");
    assertEquals(1, damaged.size(), damaged.toString());
    assertEquals(plugin + "/offsets/2", damaged.get(0).get("file").asText());
  }
}
