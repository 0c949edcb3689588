package io.checkpointplus.spark.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.files.InProcessHdfs;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code list} and {@code verify} on real HDFS ({@code MiniDFSCluster}) and a real S3 API
 * (s3proxy in-process behind Hadoop's S3A, settings given as {@code --conf}): a checkpoint the
 * plugin wrote, copied there, is listed and verified, and a truncated part is named.
 */
class ListAndVerifyOnStoresTest {
  @TempDir
  static Path tmp;
  static Path plugin;
  static RddCheckpoints made;
  static InProcessHdfs hdfs;
  static S3Proxy s3;

  @BeforeAll
  static void start() throws Exception {
    Fixtures.onlyWithTheDefaultSerializer(); // the stores see bytes; ListAndVerifyTest covers Kryo
    plugin = Fixtures.plugin();
    made = Fixtures.pluginMade();
    hdfs = InProcessHdfs.start(tmp.resolve("hdfs"), 1, Map.of());
    BlobStoreContext context = ContextBuilder.newBuilder("transient")
        .credentials("access", "secret").build(BlobStoreContext.class);
    context.getBlobStore().createContainerInLocation(null, "bucket");
    s3 = S3Proxy.builder().blobStore(context.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret").build();
    s3.start();
    while (!s3.getState().equals("STARTED")) {
      // start() returns before Jetty has bound its port; parked, not spun, between checks
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (hdfs != null) {
      hdfs.close();
    }
    if (s3 != null) {
      s3.stop();
    }
  }

  /** The S3A settings that reach the in-process server, as the inspector's --conf. */
  private static Map<String, String> s3Conf() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("fs.s3a.endpoint", "http://127.0.0.1:" + s3.getPort());
    conf.put("fs.s3a.access.key", "access");
    conf.put("fs.s3a.secret.key", "secret");
    conf.put("fs.s3a.path.style.access", "true");
    conf.put("fs.s3a.connection.ssl.enabled", "false");
    conf.put("fs.s3a.aws.credentials.provider",
        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    conf.put("fs.s3a.change.detection.mode", "none");
    conf.put("fs.s3a.impl.disable.cache", "true");
    conf.put("fs.s3a.multiobjectdelete.enable", "false");
    return conf;
  }

  private static String[] withConf(Map<String, String> conf, String... args) {
    List<String> all = new ArrayList<>(List.of(made.args(args)));
    conf.forEach((k, v) -> {
      all.add("--conf");
      all.add(k + "=" + v);
    });
    return all.toArray(new String[0]);
  }

  /** Copies the plugin's checkpoint root to {@code target} on its file system. */
  private static void upload(String target, Map<String, String> settings) throws Exception {
    Configuration conf = new Configuration();
    settings.forEach(conf::set);
    org.apache.hadoop.fs.Path to = new org.apache.hadoop.fs.Path(target);
    FileSystem fs = to.getFileSystem(conf);
    try (var files = Files.walk(plugin)) {
      for (Path p : files.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().endsWith(".crc")).toList()) {
        org.apache.hadoop.fs.Path dest = new org.apache.hadoop.fs.Path(to,
            plugin.relativize(p).toString());
        try (FSDataOutputStream out = fs.create(dest, true)) {
          out.write(Files.readAllBytes(p));
        }
      }
    }
  }

  /** Rewrites {@code file} shorter by 5 bytes. */
  private static void truncate(String file, Map<String, String> settings) throws Exception {
    Configuration conf = new Configuration();
    settings.forEach(conf::set);
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(file);
    FileSystem fs = p.getFileSystem(conf);
    byte[] bytes;
    try (var in = fs.open(p)) {
      bytes = in.readAllBytes();
    }
    try (FSDataOutputStream out = fs.create(p, true)) {
      out.write(bytes, 0, bytes.length - 5);
    }
  }

  private static void listVerifyAndDamage(String root, Map<String, String> conf)
      throws Exception {
    upload(root, conf);
    InspectorRun list = InspectorRun.of(withConf(conf, "list", root, "--json"));
    assertEquals(0, list.exitCode(), list.toString());
    JsonNode app = list.json().get("applicationDirectories").get(0);
    assertEquals("checkpoint-plus-test", app.get("appName").asText());
    assertEquals(2, app.get("rdds").size());
    assertEquals(RddCheckpoints.RECORDS, app.get("rdds").get(0).get("records").asLong());

    InspectorRun verify = InspectorRun.of(withConf(conf, "verify", root, "--checksum"));
    assertEquals(0, verify.exitCode(), verify.toString());

    String rdd = app.get("rdds").get(0).get("dir").asText();
    truncate(rdd + "/part-00003", conf);
    InspectorRun damaged = InspectorRun.of(withConf(conf, "verify", root, "--json"));
    assertEquals(1, damaged.exitCode(), damaged.toString());
    JsonNode problem = damaged.json().get("problems").get(0);
    assertTrue(problem.get("file").asText().endsWith("part-00003"), damaged.out());
    assertTrue(problem.get("found").asText().endsWith("(truncated)"), damaged.out());
  }

  @Test
  void onHdfs() throws Exception {
    listVerifyAndDamage(hdfs.uri("/checkpoints"),
        Map.of());
  }

  @Test
  void onS3() throws Exception {
    listVerifyAndDamage("s3a://bucket/checkpoints", s3Conf());
  }
}
