package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.audit.CheckpointPlusListenerEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.util.kvstore.KVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.runtime.AbstractFunction1;
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
  /** Decisions kept per plan: a plan over a huge lineage must not make one row huge. */
  private static final int MAX_DECISIONS = 200;

  private final ElementTrackingStore store;
  private final CheckpointsSummary summary = new CheckpointsSummary();
  /** Checkpoints started and not finished, by RDD id. */
  private final Map<Integer, CheckpointRow> inProgress = new HashMap<>();
  /** The id of the newest checkpoint of each RDD, for clean-up events that come later. */
  private final Map<Integer, Long> latestByRdd = new HashMap<>();
  /** The ancestor decisions of the plan being recorded (a run of checkpoint.ancestor events). */
  private List<Map<String, Object>> currentPlan = List.of();
  private boolean lastWasAncestor;
  /** The id the next checkpoint gets; read by the store's trigger thread. */
  private volatile long nextId = 1;
  /** Rows below this id are gone; only the store's trigger (one thread) moves it. */
  private long lowestKept = 1;

  /**
   * @param retained how many checkpoint rows to keep; older ones are removed by the store's
   *     trigger while the summary goes on counting them
   */
  public CheckpointsListener(ElementTrackingStore store, int retained) {
    this.store = store;
    // As Spark does for jobs and stages: past the limit, at least a tenth goes at once, so
    // that the trigger does not run on every new row.
    store.addTrigger(CheckpointRow.class, retained, new AbstractFunction1<Object, BoxedUnit>() {
      @Override
      public BoxedUnit apply(Object count) {
        removeOldest(Math.max(retained / 10, (Long) count - retained));
        return BoxedUnit.UNIT;
      }
    });
  }

  @Override
  public void onOtherEvent(SparkListenerEvent event) {
    if (event instanceof CheckpointPlusListenerEvent) {
      try {
        onAudit(normalized(((CheckpointPlusListenerEvent) event).audit()));
      } catch (VirtualMachineError fatal) {
        throw fatal;
      } catch (Throwable t) {
        // A malformed event (another plugin version) or a linkage error must not reach the
        // status queue: Spark stops the application when a listener throws a fatal error.
        LOG.warn("Checkpoints tab skipped an event it could not read: {}", t.toString());
      }
    }
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    if (inProgress.isEmpty()) {
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

  /** A job computing the RDD of a checkpoint in progress is that checkpoint's write job. */
  private void noteWriteJob(SparkListenerJobStart jobStart) {
    List<Integer> stages = new ArrayList<>();
    List<CheckpointRow> written = new ArrayList<>();
    scala.collection.Iterator<StageInfo> it = jobStart.stageInfos().iterator();
    while (it.hasNext()) {
      StageInfo stage = it.next();
      stages.add(stage.stageId());
      scala.collection.Iterator<RDDInfo> rdds = stage.rddInfos().iterator();
      while (rdds.hasNext()) {
        CheckpointRow row = inProgress.get(rdds.next().id());
        if (row != null && !written.contains(row)) {
          written.add(row);
        }
      }
    }
    for (CheckpointRow row : written) {
      if (row.jobIds == null) {
        row.jobIds = new ArrayList<>();
        row.stageIds = new ArrayList<>();
      }
      row.jobIds.add(jobStart.jobId());
      stages.stream().sorted().forEach(row.stageIds::add);
      store.write(row.copy());
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
    boolean ancestor = type.equals("checkpoint.ancestor");
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
    lastWasAncestor = ancestor;
    store.write(summary.copy());
  }

  private void started(Map<String, Object> e) {
    CheckpointRow row = new CheckpointRow();
    row.id = nextId++;
    row.rddId = intOf(e.get("rddId"));
    row.status = CheckpointRow.STARTED;
    row.startTime = longOf(e.get("time"));
    describe(row, e);
    row.lineageDepthBefore = integer(e, "lineageDepthBefore");
    row.ancestorDecisions = currentPlan.isEmpty() ? null : currentPlan;
    inProgress.put(row.rddId, row);
    latestByRdd.put(row.rddId, row.id);
    summary.started++;
    store.write(row.copy(), true);
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
    int rddId = intOf(e.get("rddId"));
    CheckpointRow row = inProgress.remove(rddId);
    if (row == null) {
      row = new CheckpointRow();
      row.id = nextId++;
      row.rddId = rddId;
      Long duration = longOrNull(e.get("durationMs"));
      row.startTime = longOf(e.get("time")) - (duration == null ? 0 : duration);
      describe(row, e);
      summary.started++;
      latestByRdd.put(rddId, row.id);
    }
    row.durationMs = longOrNull(e.get("durationMs"));
    return row;
  }

  private void completed(Map<String, Object> e) {
    CheckpointRow row = finishing(e);
    row.status = CheckpointRow.COMPLETED;
    row.partitions = integer(e, "partitions");
    row.partitionsFromCache = integer(e, "partitionsFromCache");
    row.partitionsRecomputed = integer(e, "partitionsRecomputed");
    row.partitionsByteCopied = integer(e, "partitionsByteCopied");
    row.bytes = longOrNull(e.get("bytes"));
    row.records = longOrNull(e.get("records"));
    if (row.lineageDepthBefore == null) {
      row.lineageDepthBefore = integer(e, "lineageDepthBefore");
    }
    row.lineageDepthAfter = 1;
    row.partitionFiles = listOfMaps(e.get("partitionFiles"));
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
    store.write(row.copy(), true);
  }

  private void failed(Map<String, Object> e) {
    CheckpointRow row = finishing(e);
    row.status = CheckpointRow.FAILED;
    row.cause = string(e, "cause");
    row.leftOnDisk = stringList(e.get("leftOnDisk"));
    summary.failed++;
    summary.latestFailed = row.brief();
    store.write(row.copy(), true);
  }

  private void cleaned(Map<String, Object> e) {
    summary.cleaned++;
    Object rdd = e.get("rddId");
    Long id = rdd == null ? null : latestByRdd.get(intOf(rdd));
    if (id == null) {
      return;
    }
    CheckpointRow row = inProgress.get(intOf(rdd));
    if (row == null) {
      row = read(store, id);
    }
    if (row == null) {
      return; // dropped by retention
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("time", e.get("time"));
    entry.put("reason", e.get("reason"));
    entry.put("files", e.get("files"));
    entry.put("dryRun", e.get("dryRun"));
    entry.values().removeIf(v -> v == null);
    if (row.cleaned == null) {
      row.cleaned = new ArrayList<>();
    }
    row.cleaned.add(entry);
    store.write(row.copy());
  }

  private void ancestor(Map<String, Object> e) {
    if (!lastWasAncestor) {
      currentPlan = new ArrayList<>();
    }
    summary.ancestorDecisions++;
    if (currentPlan.size() < MAX_DECISIONS) {
      Map<String, Object> decision = new LinkedHashMap<>(e);
      decision.keySet().removeAll(List.of("schemaVersion", "type", "appId", "time", "dir"));
      currentPlan.add(decision);
    }
  }

  private static CheckpointRow read(KVStore store, long id) {
    try {
      return store.read(CheckpointRow.class, id).copy();
    } catch (java.util.NoSuchElementException gone) {
      return null;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Removes the {@code n} oldest checkpoint rows (the store calls this past the limit). Ids
   * grow in the order rows are created, so the oldest are the lowest: no sort of the store.
   */
  private void removeOldest(long n) {
    long removed = 0;
    long end = nextId;
    try {
      for (; removed < n && lowestKept < end; lowestKept++) {
        try {
          store.delete(CheckpointRow.class, lowestKept);
          removed++;
        } catch (java.util.NoSuchElementException alreadyGone) {
          // nothing to remove under this id
        }
      }
    } catch (Exception e) {
      LOG.warn("Checkpoints tab could not drop its oldest rows: {}", e.toString());
    }
  }

  private static String string(Map<String, Object> e, String field) {
    Object v = e.get(field);
    return v == null ? null : String.valueOf(v);
  }

  private static Integer integer(Map<String, Object> e, String field) {
    Object v = e.get(field);
    return v == null ? null : intOf(v);
  }

  private static int intOf(Object v) {
    return v instanceof Number ? ((Number) v).intValue() : Integer.parseInt(String.valueOf(v));
  }

  private static long longOf(Object v) {
    Long l = longOrNull(v);
    return l == null ? 0 : l;
  }

  private static Long longOrNull(Object v) {
    if (v == null) {
      return null;
    }
    return v instanceof Number ? ((Number) v).longValue() : Long.parseLong(String.valueOf(v));
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
  private static List<Map<String, Object>> listOfMaps(Object v) {
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
