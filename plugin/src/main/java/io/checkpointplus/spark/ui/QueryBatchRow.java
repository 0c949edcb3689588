package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.util.kvstore.KVIndex;

/**
 * One micro-batch of one run of a query: what the plugin recorded of its checkpoint files
 * ({@code streaming.batch.committed}) beside what Spark reported of it ({@code
 * QueryProgressEvent}: duration, input, state store operators). The key orders a query's
 * batches by id, then run: a batch run again after a restart has a row per run.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class QueryBatchRow {
  /** {@link #key(String, long, String)}. */
  @KVIndex
  public String key;
  public String queryId;
  public String runId;
  public long batchId;
  /** When the batch started (Spark's progress) or committed (the plugin's event), ms. */
  public Long time;
  /** True when this batch is the first of a run that resumed an earlier run's location. */
  public Boolean resumed;
  /** True once the plugin recorded its commit file. */
  public Boolean committed;
  /** Offset and commit files written: file, bytes, crc32c. */
  public List<Map<String, Object>> checkpointFiles;
  public Long checkpointBytes;
  /** From the offset file's write to the commit file's. */
  public Long offsetsToCommitMs;
  /** Files checked against their integrity records while the batch ran. */
  public Integer filesVerified;
  /** Spark's figures: the batch's duration and input rows. */
  public Long durationMs;
  public Long inputRows;
  /**
   * Per stateful operator: name, partitions, storeInstances, rowsTotal, rowsUpdated,
   * rowsRemoved, memoryUsedBytes, commitTimeMs, and where the state store reports them, the
   * files and bytes it wrote to the checkpoint (RocksDB: filesCopied, bytesCopied, sstBytes).
   */
  public List<Map<String, Object>> stateOperators;
  /** Sums over the operators; absent when Spark reported no stateful operator. */
  public Long stateRows;
  public Long stateMemoryBytes;
  public Long stateFilesWritten;
  public Long stateBytesWritten;

  public QueryBatchRow() {
  }

  /** Sorts a query's batches by id, then run id: a re-run batch sits beside the first run. */
  static String key(String queryId, long batchId, String runId) {
    return prefix(queryId) + String.format(Locale.ROOT, "%020d", batchId) + "/"
        + (runId == null ? "" : runId);
  }

  /** The start of every key of this query's batches. */
  static String prefix(String queryId) {
    return queryId + "/";
  }
}
