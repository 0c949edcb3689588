package io.checkpointplus.spark.config;

import io.checkpointplus.spark.audit.AuditSinkKind;
import io.checkpointplus.spark.files.CommitMode;
import io.checkpointplus.spark.files.VerifyMode;
import io.checkpointplus.spark.policy.AncestorPolicy;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.storage.StorageLevel;

/**
 * Every {@code spark.checkpointplus.*} setting, declared once. The README's configuration table
 * is generated from {@link #ALL} by {@link io.checkpointplus.spark.tools.ConfigTable}, and a test
 * keeps the two identical.
 */
public final class CheckpointPlusConfig {
  public static final String PREFIX = "spark.checkpointplus.";

  /** Environment variable that turns the plugin off whatever the (possibly restored) conf says. */
  public static final String ENABLED_ENV = "SPARK_CHECKPOINTPLUS_ENABLED";

  public static final ConfigEntry<Boolean> ENABLED = ConfigEntry.bool(PREFIX + "enabled", true,
      "Master switch. false leaves Spark completely native: no hook is installed and nothing of"
          + " the plugin runs. The environment variable " + ENABLED_ENV + "=false on the driver"
          + " has the same effect and wins over the configuration (useful when a streaming"
          + " checkpoint restores an old configuration).");

  public static final ConfigEntry<Optional<String>> DIR = ConfigEntry.optionalString(
      PREFIX + "dir",
      "Checkpoint directory used when the application sets none (what spark.checkpoint.dir does"
          + " in Spark 4). Applied at start-up. On Spark 4, spark.checkpoint.dir (applied by"
          + " Spark first) wins over this; Spark 3 ignores spark.checkpoint.dir, and so does the"
          + " plugin. The application's own setCheckpointDir wins over both.");

  public static final ConfigEntry<Boolean> REUSE_ENABLED = ConfigEntry.bool(
      PREFIX + "reuse.enabled", true,
      "Persist RDDs marked for checkpointing at job submission, so the checkpoint reads the"
          + " partitions the job computed instead of computing the RDD a second time"
          + " (SPARK-8582). false restores Spark's behaviour.");

  public static final ConfigEntry<StorageLevel> REUSE_STORAGE_LEVEL = ConfigEntry.storageLevel(
      PREFIX + "reuse.storageLevel", "DISK_ONLY",
      "Storage level the plugin gives, for the length of the job, a marked RDD that has none; a"
          + " level the application chose is never changed. On disk by default: Spark's memory"
          + " store makes room for a new block by evicting blocks of other RDDs, so a level with"
          + " memory can push the application's cached partitions out of memory (MEMORY_ONLY"
          + " ones are then lost). Serialized by default: a deserialized level keeps references,"
          + " so an iterator that reuses one mutable record (Hadoop Writables) would cache and"
          + " checkpoint the last record repeated. With a serialized or disk level, the action"
          + " that triggers the checkpoint reads each reused partition back from its block, so"
          + " it sees records as spark.serializer restores them (a transient field unset), as"
          + " every later action does in stock Spark.");

  public static final ConfigEntry<Boolean> REUSE_UNPERSIST_AFTER = ConfigEntry.bool(
      PREFIX + "reuse.unpersistAfter", true,
      "Unpersist what the plugin itself persisted once the checkpoint is written and lineage is"
          + " truncated, so the partitions are not stored twice.");

  public static final ConfigEntry<Boolean> WRITE_BYTE_COPY = ConfigEntry.bool(
      PREFIX + "write.byteCopy", true,
      "Write a partition whose block is stored serialized exactly as the checkpoint would write"
          + " it (the block's serializer is spark.serializer for the RDD's element type, I/O"
          + " encryption off) by copying the block's bytes, decompressed or compressed on the"
          + " way where spark.rdd.compress and spark.checkpoint.compress differ (compressed only"
          + " with Java serialization), instead of deserializing and serializing its records."
          + " The files"
          + " are the same; the records of a copied partition are not counted. false serializes"
          + " every partition, as Spark does.");

  public static final ConfigEntry<AncestorPolicy> ANCESTORS_POLICY = ConfigEntry.oneOf(
      PREFIX + "ancestors.policy", AncestorPolicy.MARKED,
      "Which ancestors of a checkpointed RDD are checkpointed after a job. nearest: Spark's"
          + " own rule (the nearest marked RDDs; every marked ancestor when the job sets"
          + " spark.checkpoint.checkpointAllMarkedAncestors, as Spark Streaming does). marked:"
          + " every marked ancestor, parents before children, whatever the job sets. auto: like"
          + " marked, and the plugin itself checkpoints cut points when the lineage since the"
          + " last checkpoint grows deeper than spark.checkpointplus.ancestors.maxLineageDepth.");

  public static final ConfigEntry<Integer> ANCESTORS_MAX_LINEAGE_DEPTH = ConfigEntry.integer(
      PREFIX + "ancestors.maxLineageDepth", 100, 1, Integer.MAX_VALUE,
      "With policy auto: the deepest lineage (RDDs on the longest path down to a source or a"
          + " checkpoint) a job may run on; deeper lineages are cut before the job runs.");

  public static final ConfigEntry<Integer> ANCESTORS_PARALLELISM = ConfigEntry.integer(
      PREFIX + "ancestors.parallelism", 4, 1, 64,
      "How many checkpoint jobs of independent RDDs may run at once after a job; 1 writes them"
          + " one after another. A child is always written after its checkpointed parents.");

  public static final ConfigEntry<Boolean> ANCESTORS_DRY_RUN = ConfigEntry.bool(
      PREFIX + "ancestors.dryRun", false,
      "Decide and record (checkpoint.ancestor events) what the policy would checkpoint beyond"
          + " Spark's own rule, and write none of it. Spark's own checkpoints are still written.");

  public static final ConfigEntry<Boolean> STREAMING_BACKGROUND_WRITE = ConfigEntry.bool(
      PREFIX + "streaming.backgroundWrite", false,
      "Spark Streaming: write the checkpoints a batch's jobs plan (the state of"
          + " updateStateByKey and mapWithState, windows) on a background thread once the"
          + " batch's output is done, instead of before the batch completes. Each RDD becomes"
          + " checkpointed, its lineage truncated, only once its files are complete, so"
          + " Spark's metadata checkpoint never names an incomplete one. One batch's checkpoints"
          + " are written at a time: a batch that checkpoints while the previous write is in"
          + " flight waits for it. A restart resumes from the last complete checkpoint, which"
          + " may be one checkpoint interval older than without it. Jobs outside Spark"
          + " Streaming are not affected.");

  public static final ConfigEntry<Boolean> RDD_BACKGROUND_WRITE = ConfigEntry.bool(
      PREFIX + "rdd.backgroundWrite", false,
      "Outside Spark Streaming: when every RDD a job checkpoints was persisted by the"
          + " application, the action returns once its job is done, and the checkpoint files are"
          + " written on a background thread from the blocks the job stored; the RDD becomes"
          + " checkpointed (isCheckpointed true, lineage truncated) at the first job that starts"
          + " after the files are complete. Until then jobs use its lineage. A background write"
          + " never writes recomputed records: a partition whose block is gone fails the write,"
          + " which is logged and audited, and the RDD stays marked, to be written by its next"
          + " action. One write in flight at a time: an action that checkpoints while one is in"
          + " flight waits for it. An RDD the application did not persist is written before its"
          + " action returns, as without the setting.");

  public static final ConfigEntry<CommitMode> FILES_COMMIT = ConfigEntry.oneOf(
      PREFIX + "files.commit", CommitMode.AUTO,
      "How a partition file is committed; in every mode only the task attempt Spark's"
          + " OutputCommitCoordinator authorises publishes it, and a losing attempt's file never"
          + " replaces it. rename: write a hidden attempt file and rename it (atomic on local"
          + " disk and HDFS). direct: write the final name (object stores, where an object"
          + " appears only when its upload completes and a rename copies; elsewhere it behaves"
          + " as rename). auto: direct on s3a, s3, gs, abfs(s), wasb(s), oss; rename elsewhere.");

  public static final ConfigEntry<VerifyMode> FILES_VERIFY = ConfigEntry.oneOf(
      PREFIX + "files.verify", VerifyMode.SIZE,
      "What is checked, once per checkpoint and before a job reads it, against the checkpoint's"
          + " manifest. none; size: every partition file exists with its recorded size;"
          + " checksum: also its CRC32C (reads every file once on the driver). Checkpoints"
          + " without a manifest (written by stock Spark) are read as Spark reads them.");

  public static final ConfigEntry<Boolean> FILES_RETENTION_ENABLED = ConfigEntry.bool(
      PREFIX + "files.retention.enabled", false,
      "Remove the <uuid> checkpoint directories earlier runs left under the checkpoint root"
          + " (SPARK-33000), only those whose owner's heartbeat expired (judged on the storage's"
          + " clock). Never removed: this application's directory, one holding a checkpoint it"
          + " reads, one changed within files.retention.olderThan, one without owner marker"
          + " unless files.retention.includeUnowned.");

  public static final ConfigEntry<Integer> FILES_RETENTION_KEEP_LAST = ConfigEntry.integer(
      PREFIX + "files.retention.keepLast", 1, 0, Integer.MAX_VALUE,
      "How many of the newest earlier <uuid> directories retention always keeps.");

  public static final ConfigEntry<Long> FILES_RETENTION_OLDER_THAN = ConfigEntry.duration(
      PREFIX + "files.retention.olderThan", "1h", "10min",
      "Retention removes a directory only when nothing in it changed, and its owner's heartbeat"
          + " was not renewed, for this long plus 5min for clock differences, on the storage's"
          + " clock. Below 10min a live application could be swept.");

  public static final ConfigEntry<Boolean> FILES_RETENTION_INCLUDE_UNOWNED = ConfigEntry.bool(
      PREFIX + "files.retention.includeUnowned", false,
      "Let retention also remove <uuid> directories without owner marker (written by stock"
          + " Spark or an application without the plugin) once nothing in them changed for"
          + " files.retention.olderThan. Off: such a directory may be read by a running"
          + " application for hours without a file changing, and is never removed.");

  public static final ConfigEntry<Boolean> FILES_RETENTION_DRY_RUN = ConfigEntry.bool(
      PREFIX + "files.retention.dryRun", false,
      "Record what retention would remove (checkpoint.cleaned with dryRun=true) and delete"
          + " nothing.");

  public static final ConfigEntry<Set<AuditSinkKind>> AUDIT_SINKS = ConfigEntry.setOf(
      PREFIX + "audit.sinks", AuditSinkKind.class, "eventlog,jsonl,log,metrics",
      "Where audit events go. eventlog: Spark's listener bus (event log, History Server);"
          + " jsonl: the file spark.checkpointplus.audit.path; log: one line per event on the"
          + " logger io.checkpointplus.audit; metrics: counters and histograms in Spark's metrics"
          + " system (source plugin.io.checkpointplus.spark.CheckpointPlusPlugin).");

  public static final ConfigEntry<Optional<String>> AUDIT_PATH = ConfigEntry.optionalString(
      PREFIX + "audit.path",
      "File on the driver's local disk to which audit events are appended, one JSON object"
          + " per line (sink jsonl). Unset: <checkpoint root>/_checkpoint-plus-audit/<appId>.jsonl"
          + " beside Spark's <uuid> directories, when the checkpoint directory is on local disk;"
          + " no file otherwise.");

  public static final ConfigEntry<Integer> AUDIT_QUEUE_SIZE = ConfigEntry.integer(
      PREFIX + "audit.queueSize", 10_000, 1, 10_000_000,
      "Events waiting for delivery to the sinks. When full, new events are dropped and counted"
          + " (metric audit.dropped), never waited for.");

  public static final ConfigEntry<Optional<String>> TESTING_SPARK_VERSION =
      ConfigEntry.optionalString(PREFIX + "testing.sparkVersion",
          "Pretend Spark has this version when checking the verified range. For tests of the"
              + " fail-open path only.").internal();

  public static final ConfigEntry<Boolean> TESTING_FAIL_INSTALL = ConfigEntry.bool(
      PREFIX + "testing.failInstall", false,
      "Make the hook installation throw. For tests of the fail-open path only.").internal();

  public static final ConfigEntry<TestingFailure> TESTING_FAIL_WITH = ConfigEntry.oneOf(
      PREFIX + "testing.failWith", TestingFailure.NONE,
      "Throw this error in the plugin's start-up (a linkage error as from another Spark build, a"
          + " virtual machine error, or the refusal of a scheduler whose signatures do not bind)."
          + " For tests of the fail-open path only.").internal();

  public static final ConfigEntry<Boolean> UI_ENABLED = ConfigEntry.bool(
      PREFIX + "ui.enabled", true,
      "Show the Checkpoints tab (/checkpoints/, with its JSON API under /checkpoints/api/) in"
          + " the application's Spark UI. The History Server shows it for every event log that"
          + " holds the plugin's events (audit sink eventlog) when the plugin jar is on its class"
          + " path.");

  public static final ConfigEntry<Integer> UI_RETAINED_CHECKPOINTS = ConfigEntry.integer(
      PREFIX + "ui.retainedCheckpoints", 1000, 1, Integer.MAX_VALUE,
      "How many checkpoints the Checkpoints tab keeps rows for, live and (set on the History"
          + " Server) when replaying; the oldest are dropped. Its counters and summary"
          + " statistics still count every checkpoint.");

  public static final ConfigEntry<Integer> UI_RETAINED_QUERIES = ConfigEntry.integer(
      PREFIX + "ui.retainedQueries", 100, 1, 100_000,
      "How many Structured Streaming queries the Checkpoints tab keeps, live and (set on the"
          + " History Server) when replaying; the query whose last event is oldest goes first, with"
          + " its batches.");

  public static final ConfigEntry<Integer> UI_RETAINED_QUERY_BATCHES = ConfigEntry.integer(
      PREFIX + "ui.retainedQueryBatches", 100, 1, 1_000_000,
      "How many micro-batches of each Structured Streaming query the Checkpoints tab keeps"
          + " (checkpoint files, state store and verification per batch); the oldest are"
          + " dropped. The query's totals still count every batch.");

  public static final ConfigEntry<Boolean> SQL_ENABLED = ConfigEntry.bool(
      PREFIX + "sql.enabled", true,
      "Structured Streaming: make the plugin's file manager the one Spark uses for query"
          + " checkpoint locations (spark.sql.streaming.checkpointFileManagerClass), when"
          + " spark-sql is on the class path. Each file of a location (offsets, commits, metadata,"
          + " sources, state store files, a file sink's _spark_metadata) gets a size and CRC32C"
          + " record beside it that stock Spark ignores, and is checked against it when Spark"
          + " opens it. A manager the application set is wrapped, not replaced. false leaves"
          + " Spark's own manager.");

  public static final ConfigEntry<Optional<String>> SQL_WRAPPED_FILE_MANAGER_CLASS =
      ConfigEntry.optionalString(PREFIX + "sql.wrappedCheckpointFileManagerClass",
          "Set by the plugin, not by users: the spark.sql.streaming.checkpointFileManagerClass"
              + " the application set, which the plugin's manager wraps.").internal();

  /** All settings, in the order the docs list them. */
  public static final List<ConfigEntry<?>> ALL = List.of(
      ENABLED, DIR, REUSE_ENABLED, REUSE_STORAGE_LEVEL, REUSE_UNPERSIST_AFTER, WRITE_BYTE_COPY,
      ANCESTORS_POLICY, ANCESTORS_MAX_LINEAGE_DEPTH, ANCESTORS_PARALLELISM, ANCESTORS_DRY_RUN,
      STREAMING_BACKGROUND_WRITE, RDD_BACKGROUND_WRITE, FILES_COMMIT, FILES_VERIFY, FILES_RETENTION_ENABLED, FILES_RETENTION_KEEP_LAST,
      FILES_RETENTION_OLDER_THAN, FILES_RETENTION_INCLUDE_UNOWNED, FILES_RETENTION_DRY_RUN,
      AUDIT_SINKS, AUDIT_PATH, AUDIT_QUEUE_SIZE, UI_ENABLED, UI_RETAINED_CHECKPOINTS, UI_RETAINED_QUERIES,
      UI_RETAINED_QUERY_BATCHES, SQL_ENABLED,
      SQL_WRAPPED_FILE_MANAGER_CLASS,
      TESTING_SPARK_VERSION, TESTING_FAIL_INSTALL, TESTING_FAIL_WITH);

  private CheckpointPlusConfig() {
  }
}
