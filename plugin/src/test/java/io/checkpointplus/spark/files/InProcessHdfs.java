package io.checkpointplus.spark.files;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * Real HDFS in this JVM ({@code MiniDFSCluster}): a name node and data nodes on free ports, their
 * storage in a folder of the test's.
 */
public final class InProcessHdfs implements AutoCloseable {
  public final MiniDFSCluster cluster;

  private InProcessHdfs(MiniDFSCluster cluster) {
    this.cluster = cluster;
  }

  /** Starts {@code dataNodes} data nodes, with {@code settings} over Hadoop's defaults. */
  public static InProcessHdfs start(Path base, int dataNodes, Map<String, String> settings)
      throws IOException {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
    settings.forEach(conf::set);
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(dataNodes).build();
    cluster.waitActive();
    return new InProcessHdfs(cluster);
  }

  /** The URI of {@code path} (absolute) on this HDFS. */
  public String uri(String path) {
    return "hdfs://localhost:" + cluster.getNameNodePort() + path;
  }

  public FileSystem fileSystem() throws IOException {
    return cluster.getFileSystem();
  }

  @Override
  public void close() {
    cluster.shutdown();
  }
}
