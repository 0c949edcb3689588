package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.util.kvstore.KVIndex;

/**
 * One checkpoint of one RDD as the status store keeps it: started, then completed or failed.
 * Public fields and a no-argument constructor, so that Spark's disk-backed stores (RocksDB in
 * the History Server, or live with {@code spark.ui.store.path}) serialize it with Jackson.
 * The natural key {@link #id} numbers checkpoints in the order they started, the same live and
 * in the History Server, since both see the same events in the same order; every column the
 * history sorts by has an index, so a page is read through it, never by loading every row.
 *
 * <p>The stored row holds no lists that grow with the checkpoint (partition files, ancestor
 * decisions, files left on disk, clean-ups): those live in its {@link CheckpointDetails}, and
 * are filled in only by {@link CheckpointsQueries#checkpoint}, for the details page and API.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class CheckpointRow {
  public static final String STARTED = "in progress";
  public static final String COMPLETED = "completed";
  public static final String FAILED = "failed";

  /** 1 for the first checkpoint the application started, and so on. */
  @KVIndex
  public long id;
  @KVIndex("rddId")
  public int rddId;
  public String name;
  public String callSite;
  public String status;
  /** Time of the {@code checkpoint.started} event, ms since the epoch. */
  @KVIndex("startTime")
  public long startTime;
  public Long durationMs;
  public Integer partitions;
  public Integer partitionsFromCache;
  public Integer partitionsRecomputed;
  /** Partitions whose cached serialized bytes were copied as they are; absent from older logs. */
  public Integer partitionsByteCopied;
  /** Partitions whose records were not counted (byte-copied): {@link #records} leaves them out. */
  public Integer partitionsNotCounted;
  public Long bytes;
  public Long records;
  public Integer lineageDepthBefore;
  /** 1 once completed: the checkpoint ends the RDD's lineage. */
  public Integer lineageDepthAfter;
  /** Streaming batch time (ms) and output operation, for checkpoints of DStream jobs. */
  public Long batchTime;
  public Integer outputOpId;
  /**
   * True when written off its batch's or action's path ({@code streaming.backgroundWrite},
   * {@code rdd.backgroundWrite}), false when on it; absent from older logs.
   */
  public Boolean background;
  /** How long its batch or action waited for the previous background write; 0 if it did not. */
  public Long batchWaitedMs;
  /** When a background checkpoint became the RDD's (lineage truncated), ms since the epoch. */
  public Long truncatedAt;
  /** How long after the job of its batch or action ended that happened. */
  public Long truncatedAfterBatchMs;
  public String dir;
  /** The Spark jobs that wrote this checkpoint, and their stages. */
  public List<Integer> jobIds;
  public List<Integer> stageIds;
  /** The attempt of each stage in {@link #stageIds}, same order; absent in older rows. */
  public List<Integer> stageAttempts;
  /** For a failure: its cause, and the files left in {@link #dir}. */
  public String cause;
  public List<String> leftOnDisk;
  /** Per partition: partition, file, bytes, records, crc32c, source, write path, task attempt. */
  public List<Map<String, Object>> partitionFiles;
  /** Partition files beyond the 1,000 kept in {@link #partitionFiles}. */
  public Integer partitionFilesOmitted;
  /** The ancestor decisions of the plan this checkpoint was written by. */
  public List<Map<String, Object>> ancestorDecisions;
  /** Decisions of the plan beyond those kept in {@link #ancestorDecisions}. */
  public Integer ancestorDecisionsOmitted;
  /** Files removed afterwards ({@code checkpoint.cleaned}), with why. */
  public List<Map<String, Object>> cleaned;
  /** Clean-ups beyond those kept in {@link #cleaned}. */
  public Integer cleanedOmitted;

  private static final ObjectMapper JSON = new ObjectMapper();

  public CheckpointRow() {
  }

  // Indexes of the sortable columns whose values may be absent: absent sorts first (-1 or "").
  @KVIndex("name")
  private String nameIndex() {
    return name == null ? "" : name;
  }

  @KVIndex("status")
  private String statusIndex() {
    return status == null ? "" : status;
  }

  @KVIndex("durationMs")
  private long durationIndex() {
    return durationMs == null ? -1 : durationMs;
  }

  @KVIndex("partitions")
  private long partitionsIndex() {
    return partitions == null ? -1 : partitions;
  }

  @KVIndex("partitionsFromCache")
  private long partitionsFromCacheIndex() {
    return partitionsFromCache == null ? -1 : partitionsFromCache;
  }

  @KVIndex("bytes")
  private long bytesIndex() {
    return bytes == null ? -1 : bytes;
  }

  @KVIndex("records")
  private long recordsIndex() {
    return records == null ? -1 : records;
  }

  @KVIndex("lineageDepthBefore")
  private long lineageDepthBeforeIndex() {
    return lineageDepthBefore == null ? -1 : lineageDepthBefore;
  }

  @KVIndex("batchTime")
  private long batchTimeIndex() {
    return batchTime == null ? -1 : batchTime;
  }

  /** The row as the store keeps it: everything but the lists of {@link #detailLists}. */
  CheckpointRow stored() {
    CheckpointRow c = brief();
    c.jobIds = jobIds == null ? null : new ArrayList<>(jobIds);
    c.stageIds = stageIds == null ? null : new ArrayList<>(stageIds);
    c.stageAttempts = stageAttempts == null ? null : new ArrayList<>(stageAttempts);
    return c;
  }

  /** The lists {@link CheckpointDetails} keeps for this row, by field name; absent ones left out. */
  Map<String, Object> detailLists() {
    Map<String, Object> lists = new LinkedHashMap<>();
    lists.put("partitionFiles", partitionFiles);
    lists.put("partitionFilesOmitted", partitionFilesOmitted);
    lists.put("ancestorDecisions", ancestorDecisions);
    lists.put("ancestorDecisionsOmitted", ancestorDecisionsOmitted);
    lists.put("leftOnDisk", leftOnDisk);
    lists.put("cleaned", cleaned);
    lists.put("cleanedOmitted", cleanedOmitted);
    lists.values().removeIf(v -> v == null);
    return lists;
  }

  /** A copy of this row with the {@code lists} of its details filled in. */
  CheckpointRow withDetails(Map<String, Object> lists) {
    try {
      return JSON.updateValue(copy(), lists);
    } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
      throw new IllegalStateException("Unreadable details of checkpoint " + id, e);
    }
  }

  /** A copy whose lists can be changed without changing this row's. */
  CheckpointRow copy() {
    CheckpointRow c = brief();
    c.jobIds = jobIds == null ? null : new ArrayList<>(jobIds);
    c.stageIds = stageIds == null ? null : new ArrayList<>(stageIds);
    c.stageAttempts = stageAttempts == null ? null : new ArrayList<>(stageAttempts);
    c.partitionFilesOmitted = partitionFilesOmitted;
    c.ancestorDecisionsOmitted = ancestorDecisionsOmitted;
    c.leftOnDisk = leftOnDisk == null ? null : new ArrayList<>(leftOnDisk);
    c.partitionFiles = partitionFiles;
    c.ancestorDecisions = ancestorDecisions;
    c.cleaned = cleaned == null ? null : new ArrayList<>(cleaned);
    c.cleanedOmitted = cleanedOmitted;
    return c;
  }

  /** The scalar fields only: what the overview shows of the latest completed or failed. */
  CheckpointRow brief() {
    CheckpointRow c = new CheckpointRow();
    c.id = id;
    c.rddId = rddId;
    c.name = name;
    c.callSite = callSite;
    c.status = status;
    c.startTime = startTime;
    c.durationMs = durationMs;
    c.partitions = partitions;
    c.partitionsFromCache = partitionsFromCache;
    c.partitionsRecomputed = partitionsRecomputed;
    c.partitionsByteCopied = partitionsByteCopied;
    c.partitionsNotCounted = partitionsNotCounted;
    c.bytes = bytes;
    c.records = records;
    c.lineageDepthBefore = lineageDepthBefore;
    c.lineageDepthAfter = lineageDepthAfter;
    c.batchTime = batchTime;
    c.outputOpId = outputOpId;
    c.background = background;
    c.batchWaitedMs = batchWaitedMs;
    c.truncatedAt = truncatedAt;
    c.truncatedAfterBatchMs = truncatedAfterBatchMs;
    c.dir = dir;
    c.cause = cause;
    return c;
  }

  /** Write throughput in bytes per second; {@code null} unless completed in a measurable time. */
  @JsonIgnore
  public Double bytesPerSecond() {
    if (bytes == null || durationMs == null || durationMs <= 0) {
      return null;
    }
    return bytes * 1000.0 / durationMs;
  }
}
