package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import org.apache.spark.util.kvstore.KVIndex;

/**
 * One Structured Streaming query as the status store keeps it, keyed by the query's id (which
 * its checkpoint location keeps across restarts): its runs, where its checkpoint is, totals
 * over every batch, and the integrity problems found in its files. Its batches are {@link
 * QueryBatchRow}s. Public fields and a no-argument constructor for Spark's disk-backed stores.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class QueryRow {
  public static final String ACTIVE = "active";
  public static final String STOPPED = "stopped";
  public static final String FAILED = "failed";

  /** The query's id ({@code StreamingQuery.id}). */
  @KVIndex
  public String id;
  /** The order in which the application first saw its queries, 1 first. */
  @KVIndex("seen")
  public long seen;
  public String name;
  /** The checkpoint location, from the first committed batch. */
  public String location;
  public String status;
  public String latestRunId;
  /**
   * The newest runs, oldest first: runId, started, resumedAtBatch (absent for a run that
   * started at batch 0), firstBatch, lastBatch, ended, exception.
   */
  public List<Map<String, Object>> runs;
  /** Runs before those kept in {@link #runs}. */
  public Integer runsOmitted;
  /** Batches seen (committed or reported by Spark), retained or not, and the newest one. */
  public long batches;
  public Long lastBatchId;
  /** Batches whose {@link QueryBatchRow} is still kept. */
  public int retainedBatches;
  public Long lastBatchTime;
  /** Offset and commit files the plugin recorded, and their bytes, over every batch. */
  public long checkpointFiles;
  public long checkpointBytes;
  /** Files checked against their integrity records when Spark read them. */
  public long filesVerified;
  /** Offset and commit files Spark's log purge deleted, and the newest of them. */
  public long purgedFiles;
  public String latestPurged;
  /** Files found damaged (not used), read unchecked, or left without a record. */
  public long damagedFiles;
  public long unverifiedFiles;
  public long unprotectedFiles;
  /** The first problems found: time, type, runId, file, detail. */
  public List<Map<String, Object>> problems;
  public Integer problemsOmitted;
  /** State rows and memory in the newest batch Spark reported. */
  public Long stateRows;
  public Long stateMemoryBytes;

  public QueryRow() {
  }
}
