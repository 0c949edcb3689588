package io.checkpointplus.spark.activation;

import io.checkpointplus.spark.audit.AuditLog;
import io.checkpointplus.spark.structured.QueryLocationAudit;
import java.util.Optional;
import org.apache.spark.SparkConf;

/**
 * Makes the plugin's Structured Streaming file manager the one Spark uses for query checkpoint
 * locations: sets {@code spark.sql.streaming.checkpointFileManagerClass} in the SparkContext's
 * configuration before any SparkSession copies it into its SQL configuration (and from there into
 * the Hadoop configuration that {@code CheckpointFileManager.create} reads, on the driver and in
 * state store tasks). A manager the application set moves to
 * {@code spark.checkpointplus.sql.wrappedCheckpointFileManagerClass} and is wrapped. Only names
 * are handled here: nothing of {@code spark-sql} is loaded when it is absent.
 */
final class QueryCheckpointActivation {
  static final String SPARK_KEY = "spark.sql.streaming.checkpointFileManagerClass";
  static final String WRAPPED_KEY = "spark.checkpointplus.sql.wrappedCheckpointFileManagerClass";
  private static final String TRAIT_BEFORE_41 =
      "org.apache.spark.sql.execution.streaming.CheckpointFileManager";
  private static final String TRAIT_FROM_41 =
      "org.apache.spark.sql.execution.streaming.checkpointing.CheckpointFileManager";
  private static final String ADAPTER_BEFORE_41 =
      "io.checkpointplus.spark.structured.api34.QueryCheckpointFileManager";
  private static final String ADAPTER_FROM_41 =
      "io.checkpointplus.spark.structured.api41.QueryCheckpointFileManager";

  private QueryCheckpointActivation() {}

  /**
   * The adapter for the running Spark's API, or empty when spark-sql is not on the class path.
   *
   * @throws LinkageError when spark-sql is there but this jar has no adapter for it (the 2.12
   *     jar on a Spark 4.1: cannot happen with a supported pairing)
   */
  static Optional<String> adapterFor(ClassLoader loader) throws ClassNotFoundException {
    String adapter;
    if (present(TRAIT_FROM_41, loader)) {
      adapter = ADAPTER_FROM_41;
    } else if (present(TRAIT_BEFORE_41, loader)) {
      adapter = ADAPTER_BEFORE_41;
    } else {
      return Optional.empty();
    }
    Class.forName(adapter, false, loader);
    return Optional.of(adapter);
  }

  private static boolean present(String name, ClassLoader loader) {
    try {
      Class.forName(name, false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Installs the manager in {@code conf}; returns what it did, for the log, or empty when
   * spark-sql is absent.
   */
  static Optional<String> install(SparkConf conf, AuditLog audit, ClassLoader loader)
      throws ClassNotFoundException {
    Optional<String> adapter = adapterFor(loader);
    if (adapter.isEmpty()) {
      return Optional.empty();
    }
    String mine = adapter.get();
    String theirs = conf.get(SPARK_KEY, "").trim();
    String wrapped = null;
    if (!theirs.isEmpty() && !theirs.equals(ADAPTER_BEFORE_41) && !theirs.equals(ADAPTER_FROM_41)) {
      wrapped = theirs;
      conf.set(WRAPPED_KEY, theirs);
    }
    conf.set(SPARK_KEY, mine);
    QueryLocationAudit.install(audit);
    return Optional.of(wrapped == null ? mine : mine + " wrapping " + wrapped);
  }
}
