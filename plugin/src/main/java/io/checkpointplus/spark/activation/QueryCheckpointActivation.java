package io.checkpointplus.spark.activation;

import io.checkpointplus.spark.audit.AuditLog;
import io.checkpointplus.spark.structured.QueryLocationAudit;
import java.util.Optional;
import org.apache.spark.SparkConf;

/**
 * Makes the plugin's Structured Streaming file manager the one Spark uses for query checkpoint
 * locations ({@code spark.sql.streaming.checkpointFileManagerClass}, read from the Hadoop
 * configuration of the session on the driver and, broadcast, in state store tasks), before any
 * SparkSession copies the configuration. A manager the application set is moved to
 * {@code spark.checkpointplus.sql.wrappedCheckpointFileManagerClass} and wrapped. Only names are
 * handled here: nothing of {@code spark-sql} is loaded when it is absent.
 */
final class QueryCheckpointActivation {
  static final String SPARK_KEY = "spark.sql.streaming.checkpointFileManagerClass";
  static final String WRAPPED_KEY =
      io.checkpointplus.spark.config.CheckpointPlusConfig.SQL_WRAPPED_FILE_MANAGER_CLASS.key();
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
   * Installs the manager: in the SparkContext's Hadoop configuration, which every session copies
   * into the configuration {@code CheckpointFileManager.create} reads (its SQL configuration
   * wins over it, and carries the key only when the application set it). A Spark Streaming
   * checkpoint saves the SparkConf, not the Hadoop configuration, so nothing of the plugin is
   * restored into an application that runs without it. Only a manager the application set in
   * its SparkConf is moved there, to {@value #WRAPPED_KEY}; {@link #withdraw} undoes that.
   * Returns what it did, for the log, or empty when spark-sql is absent.
   */
  static Optional<String> install(SparkConf conf, org.apache.hadoop.conf.Configuration hadoopConf,
      AuditLog audit, ClassLoader loader) throws ClassNotFoundException {
    Optional<String> adapter = adapterFor(loader);
    if (adapter.isEmpty()) {
      return Optional.empty();
    }
    String mine = adapter.get();
    String theirs = conf.get(SPARK_KEY, "").trim();
    if (isAdapter(theirs)) {
      theirs = conf.get(WRAPPED_KEY, "").trim();
    }
    hadoopConf.set(SPARK_KEY, mine);
    if (!theirs.isEmpty()) {
      conf.set(WRAPPED_KEY, theirs);
      conf.set(SPARK_KEY, mine);
      hadoopConf.set(WRAPPED_KEY, theirs);
    }
    QueryLocationAudit.install(audit);
    return Optional.of(theirs.isEmpty() ? mine : mine + " wrapping " + theirs);
  }

  private static boolean isAdapter(String className) {
    return className.equals(ADAPTER_BEFORE_41) || className.equals(ADAPTER_FROM_41);
  }

  /**
   * Where the plugin does not run (switched off, an unsupported Spark, a failed start) but a
   * configuration restored from a Spark Streaming checkpoint still names its manager: gives the
   * application's own manager back, or Spark's default. Returns whether anything changed.
   */
  static boolean withdraw(SparkConf conf) {
    if (!isAdapter(conf.get(SPARK_KEY, "").trim())) {
      return false;
    }
    String theirs = conf.get(WRAPPED_KEY, "").trim();
    if (theirs.isEmpty()) {
      conf.remove(SPARK_KEY);
    } else {
      conf.set(SPARK_KEY, theirs);
    }
    conf.remove(WRAPPED_KEY);
    return true;
  }
}
