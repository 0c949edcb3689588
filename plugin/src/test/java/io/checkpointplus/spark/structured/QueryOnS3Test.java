package io.checkpointplus.spark.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.files.InProcessS3;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A query location on a real S3 API (s3proxy in-process behind Hadoop's S3A client): the plugin
 * commits each file to its final name in one upload, where Spark's default manager writes a
 * temporary object, copies and deletes it; output, restarts and records as on local disk.
 */
class QueryOnS3Test {
  private static final String BUCKET = "queries";
  private static InProcessS3 s3;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = InProcessS3.start(BUCKET);
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  /** Copies, puts, deletes and metadata lookups the S3 server made while {@code run} ran. */
  private long[] copiesAndPutsOf(ThrowingRun run) throws Exception {
    String[] kinds = {"copyBlob", "putBlob", "removeBlob", "blobMetadata"};
    long[] before = new long[kinds.length];
    for (int i = 0; i < kinds.length; i++) {
      before[i] = s3.calls(kinds[i]);
    }
    run.run();
    long[] delta = new long[kinds.length];
    for (int i = 0; i < kinds.length; i++) {
      delta[i] = s3.calls(kinds[i]) - before[i];
    }
    return delta;
  }

  private interface ThrowingRun {
    void run() throws Exception;
  }

  private List<String> keys(String prefix) {
    return s3.store.list(BUCKET, ListContainerOptions.Builder.prefix(prefix).recursive()).stream()
        .map(StorageMetadata::getName).sorted().collect(Collectors.toList());
  }

  @Test
  void thePluginCommitsWithoutCopiesAndRestartsLikeStock() throws Exception {
    Map<String, String> settings = s3.sparkSettings(Map.of());
    Path input = tmp.resolve("in");
    StatefulQuery.addInput(input, "a.txt", "x", "y", "x");
    StatefulQuery.addInput(input, "b.txt", "y", "z");
    Path audit = tmp.resolve("audit.jsonl");
    String stockLocation = "s3a://" + BUCKET + "/stock";
    String pluginLocation = "s3a://" + BUCKET + "/plugin";
    List<List<String>> out = new java.util.ArrayList<>();

    long[] stock = copiesAndPutsOf(() -> out.add(
        StatefulQuery.runOnce(false, audit, input, stockLocation, settings)));
    long[] plugin = copiesAndPutsOf(() -> out.add(
        StatefulQuery.runOnce(true, audit, input, pluginLocation, settings)));
    assertEquals(out.get(0), out.get(1));
    assertTrue(stock[0] > 0, "stock Spark renames (copies) its files on S3: " + stock[0]);
    assertEquals(0, plugin[0], "copies with the plugin");
    long stockCalls = java.util.Arrays.stream(stock).sum();
    long pluginCalls = java.util.Arrays.stream(plugin).sum();
    assertTrue(pluginCalls < stockCalls, "store calls with the plugin (its records included) "
        + pluginCalls + ", stock " + stockCalls);
    List<String> records = keys("plugin/").stream().filter(k -> k.endsWith(".integrity"))
        .collect(Collectors.toList());
    assertTrue(records.contains("plugin/offsets/.1.integrity")
        && records.contains("plugin/commits/.1.integrity"), records.toString());
    System.out.printf("S3 store calls for 2 micro-batches (copy, put, delete, metadata): stock"
        + " %s; plugin %s%n", java.util.Arrays.toString(stock), java.util.Arrays.toString(plugin));

    StatefulQuery.addInput(input, "c.txt", "x", "w");
    assertEquals(StatefulQuery.runOnce(false, audit, input, stockLocation, settings),
        StatefulQuery.runOnce(false, audit, input, pluginLocation, settings),
        "stock Spark restarting the location the plugin wrote on S3");
    StatefulQuery.addInput(input, "d.txt", "w");
    assertEquals(StatefulQuery.runOnce(false, audit, input, stockLocation, settings),
        StatefulQuery.runOnce(true, audit, input, pluginLocation, settings),
        "the plugin restarting it again");
  }
}
