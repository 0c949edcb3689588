package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.audit.CheckpointPlusListenerEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.storage.RDDInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.runtime.AbstractFunction0;
import scala.runtime.BoxedUnit;

/**
 * Turns the plugin's audit events, as Spark's listener bus carries them, into {@link
 * CheckpointRow}s and the {@link CheckpointsSummary} of the status store. The same class runs
 * on the driver's status queue (live UI) and in the History Server's replay, so both answer the
 * same. It also notes which Spark jobs wrote each checkpoint: a job that starts while a
 * checkpoint is in progress and computes that checkpoint's RDD is its write job.
 *
 * <p>The rows it keeps are copies: the in-memory store hands readers the very objects written,
 * and a page being rendered must not see a row change under it.
 */
public final class CheckpointsListener extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointsListener.class);
  /** Writes what the bus or the replay carries, Scala collections included. */
  private static final ObjectMapper WRITER = writer();
  /** Reads it back as Java maps and lists only (no Scala module here). */
  private static final ObjectMapper READER = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
  /** The local property the plugin sets on every checkpoint write job: the RDD's id. */
  static final String CHECKPOINT_RDD_ID = "spark.checkpointplus.checkpointRddId";
  /** Decisions kept per plan: a plan over a huge lineage must not make one row huge. */
  static final int MAX_DECISIONS = 200;
  /** Partition files kept per row; the row says how many more there were. */
  static final int MAX_PARTITION_FILES = 1000;
  /** Write jobs (and their stages) kept per row: retried or resubmitted writes stop here. */
  static final int MAX_JOBS_PER_ROW = 20;
  static final int MAX_STAGES_PER_ROW = 100;
  /** Clean-ups kept per row; the row says how many more there were. */
  static final int MAX_CLEANED_PER_ROW = 100;
  /** Plans whose decisions are kept until their checkpoints start (concurrent jobs). */
  private static final int MAX_PLANS = 64;

  private final ElementTrackingStore store;
  private final int retained;
  /** The Structured Streaming queries' rows. */
  private final StreamingQueryTracker queries;
  /** Live: the summary row is written at most this often (ns); 0 on every event. */
  private final long summaryPeriodNs;
  private final CheckpointsSummary summary = new CheckpointsSummary();
  /** What the live tab reads: the summary as of the last event (the store's may be older). */
  private volatile CheckpointsSummary published = null;
  private long lastSummaryWriteNs;
  private boolean summaryDirty;
  /** Checkpoints started and not finished, by RDD id; only retained rows. */
  private final Map<Integer, CheckpointRow> inProgress = new HashMap<>();
  /** The id of the newest retained checkpoint of each RDD, for clean-up events that come later. */
  private final Map<Integer, Long> latestByRdd = new HashMap<>();
  /** The RDD id of every retained row, oldest first (row {@link #lowestKept} first). */
  private final ArrayDeque<Integer> rddOfRetainedRow = new ArrayDeque<>();
  /** Ancestor decisions by plan id, until the plan's checkpoints start; the oldest plans go. */
  private final Map<Long, Plan> plans = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Plan> eldest) {
      return size() > MAX_PLANS;
    }
  };
  /** Whether a job carried {@link #CHECKPOINT_RDD_ID}: then jobs without it are not write jobs. */
  private boolean jobsCarryCheckpointRddId;
  /** RDDs whose in-progress row retention dropped: their end is no new start (bounded). */
  private final Set<Integer> droppedInProgress = new LinkedHashSet<>();
  private long nextId = 1;
  /** Rows below this id are gone. Only the listener thread changes rows, so no race. */
  private long lowestKept = 1;

  /** The decisions of one plan, with how many more there were than are kept. */
  private static final class Plan {
    final List<Map<String, Object>> decisions = new ArrayList<>();
    int omitted;
  }

  /**
   * @param retained how many checkpoint rows to keep; older ones are removed, on this
   *     listener's thread, while the summary goes on counting them. The summary row is written
   *     on every event.
   */
  public CheckpointsListener(ElementTrackingStore store, int retained) {
    this(store, retained, 0, StreamingQueryTracker.QueryRetention.DEFAULT);
  }

  /**
   * @param retained as above
   * @param summaryPeriodMs the summary row is written to the store at most this often (live:
   *     {@code spark.ui.liveUpdate.period}); a negative value: only when the store flushes (the
   *     end of a History Server replay). It is always written when the store flushes or closes.
   */
  public CheckpointsListener(ElementTrackingStore store, int retained, long summaryPeriodMs) {
    this(store, retained, summaryPeriodMs, StreamingQueryTracker.QueryRetention.DEFAULT);
  }

  /**
   * @param queryRetention how many Structured Streaming queries, and batches of each, to keep
   */
  CheckpointsListener(ElementTrackingStore store, int retained, long summaryPeriodMs,
      StreamingQueryTracker.QueryRetention queryRetention) {
    this.store = store;
    this.retained = retained;
    this.queries = new StreamingQueryTracker(store, queryRetention);
    this.summaryPeriodNs = summaryPeriodMs < 0 ? Long.MAX_VALUE
        : TimeUnit.MILLISECONDS.toNanos(summaryPeriodMs);
    store.onFlush(new AbstractFunction0<BoxedUnit>() {
      @Override
      public BoxedUnit apply() {
        flushSummary();
        return BoxedUnit.UNIT;
      }
    });
  }

  /** The summary as of the last event: what the live tab shows (the store's lags by a period). */
  public CheckpointsSummary liveSummary() {
    return published;
  }

  /** How many RDDs the listener remembers (for the bound on its maps). */
  int trackedRdds() {
    return Math.max(latestByRdd.size(), inProgress.size());
  }

  @Override
  public void onOtherEvent(SparkListenerEvent event) {
    try {
      if (event instanceof CheckpointPlusListenerEvent) {
        Map<String, Object> audit = normalized(((CheckpointPlusListenerEvent) event).audit());
        if (StreamingQueryTracker.handles(String.valueOf(audit.get("type")))) {
          queries.onEvent(audit);
        } else {
          onAudit(audit);
        }
      } else if (event.getClass().getName().startsWith(SparkQueryEvents.CLASS_PREFIX)) {
        // By name: SparkQueryEvents, which links spark-sql, loads only when such events come.
        Map<String, Object> query = SparkQueryEvents.read(event);
        if (query != null) {
          queries.onEvent(query);
        }
      }
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      // A malformed event (another plugin version) or a linkage error must not reach the
      // status queue: Spark stops the application when a listener throws a fatal error.
      LOG.warn("Checkpoints tab skipped an event it could not read: {}", t.toString());
    }
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    if (inProgress.isEmpty() && jobsCarryCheckpointRddId) {
      return;
    }
    try {
      noteWriteJob(jobStart);
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.warn("Checkpoints tab could not link job {}: {}", jobStart.jobId(), t.toString());
    }
  }

  /**
   * The job the plugin marked with {@link #CHECKPOINT_RDD_ID} wrote the checkpoint of that RDD.
   * Event logs of plugin versions that did not mark jobs: a job computing the RDD of a
   * checkpoint in progress is taken as its write job (as before), until a marked job is seen.
   */
  private void noteWriteJob(SparkListenerJobStart jobStart) {
    Properties props = jobStart.properties();
    String marked = props == null ? null : props.getProperty(CHECKPOINT_RDD_ID);
    if (marked != null) {
      jobsCarryCheckpointRddId = true;
    } else if (jobsCarryCheckpointRddId || inProgress.isEmpty()) {
      return;
    }
    List<int[]> stages = new ArrayList<>();
    List<CheckpointRow> written = new ArrayList<>();
    if (marked != null) {
      CheckpointRow row = inProgress.get(Integer.parseInt(marked.trim()));
      if (row != null) {
        written.add(row);
      }
    }
    scala.collection.Iterator<StageInfo> it = jobStart.stageInfos().iterator();
    while (it.hasNext()) {
      StageInfo stage = it.next();
      stages.add(new int[] {stage.stageId(), stage.attemptNumber()});
      if (marked == null) {
        scala.collection.Iterator<RDDInfo> rdds = stage.rddInfos().iterator();
        while (rdds.hasNext()) {
          CheckpointRow row = inProgress.get(rdds.next().id());
          if (row != null && !written.contains(row)) {
            written.add(row);
          }
        }
      }
    }
    stages.sort((a, b) -> Integer.compare(a[0], b[0]));
    for (CheckpointRow row : written) {
      if (row.jobIds == null) {
        row.jobIds = new ArrayList<>();
        row.stageIds = new ArrayList<>();
        row.stageAttempts = new ArrayList<>();
      }
      if (row.jobIds.size() >= MAX_JOBS_PER_ROW) {
        continue;
      }
      row.jobIds.add(jobStart.jobId());
      for (int[] stage : stages) {
        if (row.stageIds.size() < MAX_STAGES_PER_ROW) {
          row.stageIds.add(stage[0]);
          row.stageAttempts.add(stage[1]);
        }
      }
      store.write(row.stored());
    }
  }

  /**
   * A mapper that also writes Scala collections: replayed, Spark's {@code JsonProtocol} (whose
   * mapper has the Scala module) reads nested objects back as Scala maps and lists. Spark ships
   * jackson-module-scala, which registers itself as a service; without it, a plain mapper.
   */
  private static ObjectMapper writer() {
    try {
      return new ObjectMapper().findAndRegisterModules();
    } catch (RuntimeException | LinkageError | java.util.ServiceConfigurationError e) {
      LOG.warn("Checkpoints tab reads replayed events without Jackson's modules: {}", e.toString());
      return new ObjectMapper();
    }
  }

  /**
   * The event's fields as the event log holds them: live, the bus carries the Java objects the
   * plugin recorded; replayed, what Spark's mapper read back (Scala maps and lists inside). One
   * Jackson round trip into Java maps and lists makes them equal.
   */
  private static Map<String, Object> normalized(Map<String, Object> audit) {
    try {
      return READER.readValue(WRITER.writeValueAsBytes(audit), MAP);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void onAudit(Map<String, Object> e) {
    String type = String.valueOf(e.get("type"));
    switch (type) {
      case "checkpoint.started":
        started(e);
        break;
      case "checkpoint.completed":
        completed(e);
        break;
      case "checkpoint.failed":
        failed(e);
        break;
      case "checkpoint.cleaned":
        cleaned(e);
        break;
      case "checkpoint.truncated":
        truncated(e);
        break;
      case "checkpoint.ancestor":
        ancestor(e);
        break;
      case "checkpoint.verified":
        summary.verifiedOnRead++;
        break;
      case "checkpoint.unverified":
        summary.unverifiedOnRead++;
        Map<String, Object> unverified = new LinkedHashMap<>();
        unverified.put("time", e.get("time"));
        unverified.put("dir", e.get("dir"));
        unverified.put("cause", e.get("cause"));
        summary.latestUnverified = unverified;
        break;
      case "checkpoint.metadata":
        summary.metadataCheckpoints++;
        break;
      case "hook.status":
        summary.hookStatus = string(e, "status");
        summary.hookReason = string(e, "reason");
        summary.sparkVersion = string(e, "sparkVersion");
        summary.verifiedRange = string(e, "verifiedRange");
        summary.configuration = mapOf(e.get("configuration"));
        break;
      default:
        return;
    }
    summaryChanged();
  }

  /** Publishes the summary to the live tab; writes it to the store at most once a period. */
  private void summaryChanged() {
    CheckpointsSummary snapshot = summary.copy();
    published = snapshot;
    long now = System.nanoTime();
    if (lastSummaryWriteNs == 0 || now - lastSummaryWriteNs >= summaryPeriodNs) {
      store.write(snapshot);
      lastSummaryWriteNs = now;
      summaryDirty = false;
    } else {
      summaryDirty = true;
    }
  }

  /** At the store's flush (its close, the end of a replay): the latest summary, if not written. */
  private void flushSummary() {
    CheckpointsSummary snapshot = published;
    if (summaryDirty && snapshot != null) {
      try {
        store.write(snapshot);
        summaryDirty = false;
      } catch (Exception e) {
        LOG.warn("Checkpoints tab could not write its summary: {}", e.toString());
      }
    }
  }

  private void started(Map<String, Object> e) {
    int rddId = rddId(e); // before the id is taken: an unreadable event leaves no gap
    CheckpointRow row = new CheckpointRow();
    row.id = nextId++;
    row.rddId = rddId;
    row.status = CheckpointRow.STARTED;
    row.startTime = longOf(e.get("time"));
    describe(row, e);
    row.lineageDepthBefore = integer(e, "lineageDepthBefore");
    attachPlan(row, e);
    inProgress.put(row.rddId, row);
    summary.started++;
    persist(row);
    retain(row);
  }

  /** The decisions of the event's plan; none without a plan id (older logs): better than wrong. */
  private void attachPlan(CheckpointRow row, Map<String, Object> e) {
    Long planId = longOrNull(e.get("planId"));
    Plan plan = planId == null ? null : plans.get(planId);
    if (plan != null && row.ancestorDecisions == null && !plan.decisions.isEmpty()) {
      row.ancestorDecisions = new ArrayList<>(plan.decisions);
      row.ancestorDecisionsOmitted = plan.omitted == 0 ? null : plan.omitted;
    }
  }

  /**
   * A new row: noted as the newest of its RDD, then the oldest rows past the limit are deleted
   * here, on the listener's thread, with everything the listener remembers of them. Ids grow in
   * the order rows are created, so the oldest are the lowest: no sort of the store.
   */
  private void retain(CheckpointRow row) {
    latestByRdd.put(row.rddId, row.id);
    rddOfRetainedRow.addLast(row.rddId);
    while (nextId - lowestKept > retained && !rddOfRetainedRow.isEmpty()) {
      long id = lowestKept++;
      int rdd = rddOfRetainedRow.removeFirst();
      if (latestByRdd.getOrDefault(rdd, -1L) == id) {
        latestByRdd.remove(rdd);
      }
      CheckpointRow open = inProgress.get(rdd);
      if (open != null && open.id == id) {
        inProgress.remove(rdd);
        droppedInProgress.add(rdd);
        if (droppedInProgress.size() > retained) {
          droppedInProgress.remove(droppedInProgress.iterator().next());
        }
      }
      for (Class<?> kind : List.of(CheckpointRow.class, CheckpointDetails.class)) {
        try {
          store.delete(kind, id);
        } catch (java.util.NoSuchElementException alreadyGone) {
          // nothing under this id (a row without details)
        } catch (Exception ex) {
          LOG.warn("Checkpoints tab could not drop row {}: {}", id, ex.toString());
        }
      }
    }
  }

  private static void describe(CheckpointRow row, Map<String, Object> e) {
    row.name = string(e, "name");
    row.callSite = string(e, "callSite");
    row.dir = string(e, "dir");
    row.batchTime = longOrNull(e.get("batchTime"));
    row.outputOpId = integer(e, "outputOpId");
  }

  /** The started row of the finished checkpoint; made up when the log lacks the start. */
  private CheckpointRow finishing(Map<String, Object> e) {
    int rddId = rddId(e);
    CheckpointRow row = inProgress.remove(rddId);
    if (row == null) {
      row = new CheckpointRow();
      row.id = nextId++;
      row.rddId = rddId;
      Long duration = longOrNull(e.get("durationMs"));
      row.startTime = longOf(e.get("time")) - (duration == null ? 0 : duration);
      describe(row, e);
      if (!droppedInProgress.remove(rddId)) {
        summary.started++; // the log lacks the start; a dropped row's start was counted
      }
      retain(row);
    }
    attachPlan(row, e);
    row.durationMs = longOrNull(e.get("durationMs"));
    Object background = e.get("background");
    row.background = background instanceof Boolean b ? b : null;
    row.batchWaitedMs = longOrNull(e.get("batchWaitedMs"));
    return row;
  }

  private void completed(Map<String, Object> e) {
    CheckpointRow row = finishing(e);
    row.status = CheckpointRow.COMPLETED;
    row.partitions = integer(e, "partitions");
    row.partitionsFromCache = integer(e, "partitionsFromCache");
    row.partitionsRecomputed = integer(e, "partitionsRecomputed");
    row.partitionsByteCopied = integer(e, "partitionsByteCopied");
    row.partitionsNotCounted = integer(e, "partitionsNotCounted");
    row.bytes = longOrNull(e.get("bytes"));
    row.records = longOrNull(e.get("records"));
    if (row.lineageDepthBefore == null) {
      row.lineageDepthBefore = integer(e, "lineageDepthBefore");
    }
    row.lineageDepthAfter = 1;
    List<Map<String, Object>> files = listOfMaps(e.get("partitionFiles"));
    if (files != null) {
      // The event itself lists at most 10,000 (partitionFilesTruncated): count from partitions.
      int total = Math.max(files.size(), row.partitions != null ? row.partitions : 0);
      if (files.size() > MAX_PARTITION_FILES) {
        files = new ArrayList<>(files.subList(0, MAX_PARTITION_FILES));
      }
      row.partitionFilesOmitted = total > files.size() ? total - files.size() : null;
    }
    row.partitionFiles = files;
    summary.completed++;
    summary.bytes += orZero(row.bytes);
    summary.records += orZero(row.records);
    summary.partitions += orZero(row.partitions);
    summary.partitionsFromCache += orZero(row.partitionsFromCache);
    summary.partitionsRecomputed += orZero(row.partitionsRecomputed);
    summary.partitionsByteCopied += orZero(row.partitionsByteCopied);
    if (row.durationMs != null) {
      summary.durationMs = summary.durationMs.plus(row.durationMs);
    }
    if (row.bytes != null) {
      summary.bytesWritten = summary.bytesWritten.plus(row.bytes);
    }
    if (row.bytesPerSecond() != null) {
      summary.bytesPerSecond = summary.bytesPerSecond.plus(row.bytesPerSecond());
    }
    summary.latestCompleted = row.brief();
    persist(row);
  }

  private void failed(Map<String, Object> e) {
    CheckpointRow row = finishing(e);
    row.status = CheckpointRow.FAILED;
    row.cause = string(e, "cause");
    row.leftOnDisk = stringList(e.get("leftOnDisk"));
    summary.failed++;
    summary.latestFailed = row.brief();
    persist(row);
  }

  private void cleaned(Map<String, Object> e) {
    // Counts files really removed: a dry run or a delete that removed nothing is listed on
    // its checkpoint only. The context cleaner's events carry neither field: it deleted.
    if (!Boolean.TRUE.equals(e.get("dryRun")) && !Boolean.FALSE.equals(e.get("deleted"))) {
      summary.cleaned++;
    }
    Integer rdd = integer(e, "rddId");
    Long id = rdd == null ? null : latestByRdd.get(rdd);
    if (id == null) {
      return;
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("time", e.get("time"));
    entry.put("reason", e.get("reason"));
    entry.put("files", e.get("files"));
    entry.put("dryRun", e.get("dryRun"));
    entry.put("deleted", e.get("deleted"));
    entry.values().removeIf(v -> v == null);
    CheckpointRow open = inProgress.get(rdd);
    if (open != null) {
      addCleaned(open, entry);
      persist(open);
      return;
    }
    // A finished row: only its details change, read back from the store.
    CheckpointRow lists = new CheckpointRow().withDetails(detailsOf(id));
    lists.id = id;
    addCleaned(lists, entry);
    store.write(CheckpointDetails.of(id, lists.detailLists()));
  }

  /** A background checkpoint became its RDD's: the row of its latest checkpoint says when. */
  private void truncated(Map<String, Object> e) {
    Integer rdd = integer(e, "rddId");
    Long id = rdd == null ? null : latestByRdd.get(rdd);
    Long at = longOrNull(e.get("time"));
    if (id == null || at == null || inProgress.containsKey(rdd)) {
      return;
    }
    CheckpointRow row;
    try {
      row = store.read(CheckpointRow.class, id);
    } catch (java.util.NoSuchElementException dropped) {
      return; // beyond the retained rows
    } catch (Exception ex) {
      throw new IllegalStateException(ex);
    }
    row.truncatedAt = at;
    row.truncatedAfterBatchMs = longOrNull(e.get("afterBatchMs"));
    store.write(row, true);
    if (summary.latestCompleted != null && summary.latestCompleted.id == id) {
      summary.latestCompleted = row.brief();
    }
  }

  private static void addCleaned(CheckpointRow row, Map<String, Object> entry) {
    if (row.cleaned == null) {
      row.cleaned = new ArrayList<>();
    }
    if (row.cleaned.size() < MAX_CLEANED_PER_ROW) {
      row.cleaned.add(entry);
    } else {
      row.cleanedOmitted = row.cleanedOmitted == null ? 1 : row.cleanedOmitted + 1;
    }
  }

  /**
   * Writes the row as the list pages read it, and its lists, if it has any, as the details page
   * reads them: a list page never decodes a partition file.
   */
  private void persist(CheckpointRow row) {
    store.write(row.stored(), true);
    Map<String, Object> lists = row.detailLists();
    if (!lists.isEmpty()) {
      store.write(CheckpointDetails.of(row.id, lists));
    }
  }

  private Map<String, Object> detailsOf(long id) {
    try {
      return store.read(CheckpointDetails.class, id).lists();
    } catch (java.util.NoSuchElementException none) {
      return Map.of();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void ancestor(Map<String, Object> e) {
    summary.ancestorDecisions++;
    Long planId = longOrNull(e.get("planId"));
    if (planId == null) {
      return; // an older log: which checkpoints it belongs to is unknown
    }
    Plan plan = plans.computeIfAbsent(planId, id -> new Plan());
    if (plan.decisions.size() < MAX_DECISIONS) {
      Map<String, Object> decision = new LinkedHashMap<>(e);
      decision.keySet().removeAll(
          List.of("schemaVersion", "type", "appId", "time", "dir", "planId"));
      plan.decisions.add(decision);
    } else {
      plan.omitted++;
    }
  }

  static String string(Map<String, Object> e, String field) {
    Object v = e.get(field);
    return v == null ? null : String.valueOf(v);
  }

  /** The event's RDD id; an event without a valid one is not read (and takes no row id). */
  private static int rddId(Map<String, Object> e) {
    Integer id = integer(e, "rddId");
    if (id == null) {
      throw new IllegalArgumentException("no valid rddId: " + e.get("rddId"));
    }
    return id;
  }

  /** A count or id from the event, 0 to {@code Integer.MAX_VALUE}; anything else is unknown. */
  private static Integer integer(Map<String, Object> e, String field) {
    Long v = nonNegative(e.get(field), Integer.MAX_VALUE);
    return v == null ? null : v.intValue();
  }

  /** A time, 0 when unknown. */
  private static long longOf(Object v) {
    Long l = longOrNull(v);
    return l == null ? 0 : l;
  }

  /** A size, duration, time or id from the event, 0 or more; anything else is unknown. */
  static Long longOrNull(Object v) {
    return nonNegative(v, Long.MAX_VALUE);
  }

  /**
   * {@code v} as a whole number from 0 to {@code max}, or {@code null}: negative, fractional,
   * not a number, or past {@code max} (which narrowing would wrap into a plausible value).
   */
  private static Long nonNegative(Object v, long max) {
    if (v == null) {
      return null;
    }
    BigDecimal d;
    try {
      d = new BigDecimal(String.valueOf(v).trim());
    } catch (NumberFormatException notANumber) {
      return null;
    }
    if (d.signum() < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0) {
      return null;
    }
    try {
      return d.longValueExact();
    } catch (ArithmeticException fractional) {
      return null;
    }
  }

  private static long orZero(Number n) {
    return n == null ? 0 : n.longValue();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> mapOf(Object v) {
    return v instanceof Map ? new LinkedHashMap<>((Map<String, Object>) v) : null;
  }

  private static List<String> stringList(Object v) {
    if (!(v instanceof List)) {
      return null;
    }
    List<String> out = new ArrayList<>();
    ((List<?>) v).forEach(x -> out.add(String.valueOf(x)));
    return out;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> listOfMaps(Object v) {
    if (!(v instanceof List)) {
      return null;
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object x : (List<?>) v) {
      if (x instanceof Map) {
        out.add((Map<String, Object>) x);
      }
    }
    return out;
  }
}
