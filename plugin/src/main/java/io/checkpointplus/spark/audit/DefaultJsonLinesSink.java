package io.checkpointplus.spark.audit;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * The JSON Lines sink when {@code spark.checkpointplus.audit.path} is not set: the file
 * {@code <checkpoint root>/_checkpoint-plus-audit/<appId>.jsonl}, beside the {@code <uuid>}
 * directories Spark creates, as soon as the application has a checkpoint directory on local disk
 * ({@code file:}). Events before that are held (up to {@value #HELD} of them) and written first.
 * On other file systems no default file is written: set {@code audit.path}.
 */
public final class DefaultJsonLinesSink implements AuditSink {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultJsonLinesSink.class);
  static final String DIRECTORY = "_checkpoint-plus-audit";
  private static final int HELD = 1_000;

  private final String appId;
  private final Supplier<Option<String>> checkpointDir;
  private final List<AuditEvent> held = new ArrayList<>();
  private JsonLinesSink file;
  private boolean unavailable;

  /** {@code checkpointDir} gives SparkContext's current {@code <root>/<uuid>} directory. */
  public DefaultJsonLinesSink(String appId, Supplier<Option<String>> checkpointDir) {
    this.appId = appId;
    this.checkpointDir = checkpointDir;
  }

  @Override
  public void accept(AuditEvent event) throws Exception {
    if (file == null && !unavailable) {
      open();
    }
    if (file != null) {
      file.accept(event);
    } else if (!unavailable && held.size() < HELD) {
      held.add(event);
    }
  }

  private void open() throws Exception {
    Option<String> dir = checkpointDir.get();
    if (dir.isEmpty()) {
      return;
    }
    // Spark gives the directory as Hadoop's Path.toString: a URI-like string whose characters
    // are not escaped ("file:/tmp/check points 100% #1/<uuid>"), which java.net.URI.create
    // refuses or misreads. Hadoop's Path parses it the way Spark wrote it.
    URI uri = new org.apache.hadoop.fs.Path(dir.get()).toUri();
    if (uri.getScheme() != null && !uri.getScheme().equals("file")) {
      unavailable = true;
      held.clear();
      LOG.info("Checkpoint directory {} is not on local disk: no default audit file; set"
          + " spark.checkpointplus.audit.path", dir.get());
      return;
    }
    Path root = Path.of(uri.getPath()).getParent();
    file = new JsonLinesSink(root.resolve(DIRECTORY).resolve(appId + ".jsonl"));
    for (AuditEvent e : held) {
      file.accept(e);
    }
    held.clear();
  }

  @Override
  public void close() throws Exception {
    if (file != null) {
      file.close();
    }
  }

  @Override
  public String toString() {
    return "jsonl:default";
  }
}
