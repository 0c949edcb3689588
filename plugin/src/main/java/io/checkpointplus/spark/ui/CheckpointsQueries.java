package io.checkpointplus.spark.ui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.spark.SparkConf;
import org.apache.spark.util.kvstore.KVIndex;
import org.apache.spark.util.kvstore.KVStore;
import org.apache.spark.util.kvstore.KVStoreIterator;
import org.apache.spark.util.kvstore.KVStoreView;

/**
 * What the tab and the JSON API show, read from the status store: the same answers whether the
 * store is the live application's or the one the History Server replayed.
 */
public final class CheckpointsQueries {
  /**
   * The columns the history can be sorted by, each read through the {@link CheckpointRow} index
   * of that name ({@code id} through the natural key): a page reads its own rows only.
   */
  static final List<String> SORTS = List.of("id", "rddId", "name", "status", "startTime",
      "durationMs", "partitions", "partitionsFromCache", "bytes", "records",
      "lineageDepthBefore", "batchTime");
  /** The newest checkpoints the overview's timeline draws: more would be bars under a pixel. */
  static final int TIMELINE_BARS = 200;

  private final KVStore store;
  /** Applied to every answer: nothing leaves this class unredacted. */
  private final DisplayRedaction redaction;
  /** Live: the listener's latest summary (the store's is written once per update period). */
  private final Supplier<CheckpointsSummary> liveSummary;

  /** Redaction as Spark's defaults set it. */
  public CheckpointsQueries(KVStore store) {
    this(store, new SparkConf(false), () -> null);
  }

  /** Texts shown redacted as {@code conf} (the UI's: the application's, or the History Server's) says. */
  public CheckpointsQueries(KVStore store, SparkConf conf) {
    this(store, conf, () -> null);
  }

  CheckpointsQueries(KVStore store, SparkConf conf, Supplier<CheckpointsSummary> liveSummary) {
    this.store = store;
    this.redaction = DisplayRedaction.from(conf);
    this.liveSummary = liveSummary;
  }

  /** The summary row; empty when the application recorded no checkpoint-plus event. */
  public Optional<CheckpointsSummary> summary() {
    CheckpointsSummary live = liveSummary.get();
    if (live != null) {
      return Optional.of(redaction.summary(live));
    }
    try {
      return Optional.of(redaction.summary(
          store.read(CheckpointsSummary.class, CheckpointsSummary.KEY)));
    } catch (NoSuchElementException none) {
      return Optional.empty();
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read the checkpoint summary", e);
    }
  }

  /**
   * The checkpoint with this id, unless retention dropped it, with the lists of its {@link
   * CheckpointDetails} (partition files, ancestor decisions...): the one query that reads them.
   */
  public Optional<CheckpointRow> checkpoint(long id) {
    CheckpointRow row;
    try {
      row = store.read(CheckpointRow.class, id);
    } catch (NoSuchElementException none) {
      return Optional.empty();
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read checkpoint " + id, e);
    }
    Map<String, Object> lists;
    try {
      lists = store.read(CheckpointDetails.class, id).lists();
    } catch (NoSuchElementException none) {
      lists = Map.of();
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read the details of checkpoint " + id, e);
    }
    return Optional.of(redaction.row(row.withDetails(lists)));
  }

  /** Every retained checkpoint, oldest first, without details: for tests, never for a page. */
  List<CheckpointRow> all() {
    return read(view());
  }

  /**
   * The newest {@code max} retained checkpoints, oldest of them first, without details, for the
   * timeline: its numbers only, no text (not redacted).
   */
  public List<CheckpointRow> newest(int max) {
    List<CheckpointRow> rows = read(view().reverse().max(max));
    java.util.Collections.reverse(rows);
    return rows;
  }

  /** One page of the history, sorted by {@code sort} (one of {@link #SORTS}), without details. */
  public HistoryPage history(String sort, boolean descending, int page, int pageSize) {
    if (!SORTS.contains(sort)) {
      throw new IllegalArgumentException("Unknown sort column '" + sort + "'; allowed: "
          + String.join(", ", SORTS));
    }
    checkPage(page, pageSize);
    long total;
    try {
      total = store.count(CheckpointRow.class);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot count the checkpoint history", e);
    }
    // Ties in the sorted column go by id, in the same direction: the index's own order.
    KVStoreView<CheckpointRow> view = view()
        .index(sort.equals("id") ? KVIndex.NATURAL_INDEX_NAME : sort);
    if (descending) {
      view.reverse();
    }
    List<CheckpointRow> rows = new ArrayList<>();
    read(view.skip((long) (page - 1) * pageSize).max(pageSize))
        .forEach(r -> rows.add(redaction.row(r)));
    return new HistoryPage((int) Math.min(Integer.MAX_VALUE, total), page, pageSize, sort,
        descending, rows);
  }

  private KVStoreView<CheckpointRow> view() {
    try {
      return store.view(CheckpointRow.class);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read the checkpoint history", e);
    }
  }

  private static <T> List<T> read(KVStoreView<T> view) {
    List<T> rows = new ArrayList<>();
    try (KVStoreIterator<T> it = view.closeableIterator()) {
      it.forEachRemaining(rows::add);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read the checkpoint history", e);
    }
    return rows;
  }

  /** One page of the Structured Streaming queries, in the order the application first saw them. */
  public Page<QueryRow> queries(int page, int pageSize) {
    checkPage(page, pageSize);
    long total;
    KVStoreView<QueryRow> view;
    try {
      total = store.count(QueryRow.class);
      view = store.view(QueryRow.class).index("seen");
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read the Structured Streaming queries", e);
    }
    List<QueryRow> rows = new ArrayList<>();
    read(view.skip((long) (page - 1) * pageSize).max(pageSize)).forEach(
        q -> rows.add(redaction.copy(q)));
    return new Page<>(total, page, pageSize, rows);
  }

  /** The query with this id, unless retention dropped it. */
  public Optional<QueryRow> query(String id) {
    try {
      return Optional.of(redaction.copy(store.read(QueryRow.class, id)));
    } catch (NoSuchElementException none) {
      return Optional.empty();
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read query " + id, e);
    }
  }

  /** One page of a query's retained batches, newest first; empty for an unknown query. */
  public Page<QueryBatchRow> queryBatches(String id, int page, int pageSize) {
    checkPage(page, pageSize);
    Optional<QueryRow> q = query(id);
    if (q.isEmpty()) {
      return new Page<>(0, page, pageSize, List.of());
    }
    String prefix = QueryBatchRow.prefix(id);
    KVStoreView<QueryBatchRow> view;
    try {
      // Keys are "<id>/<batch, 20 digits>/<run>": '~' sorts after every digit.
      view = store.view(QueryBatchRow.class).reverse().first(prefix + "~").last(prefix);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read the batches of query " + id, e);
    }
    List<QueryBatchRow> rows = new ArrayList<>();
    read(view.skip((long) (page - 1) * pageSize).max(pageSize)).forEach(
        b -> rows.add(redaction.copy(b)));
    return new Page<>(q.get().retainedBatches, page, pageSize, rows);
  }

  private static void checkPage(int page, int pageSize) {
    if (page < 1 || pageSize < 1 || pageSize > 10_000) {
      throw new IllegalArgumentException("page must be 1 or more and pageSize 1 to 10000, got"
          + " page=" + page + " pageSize=" + pageSize);
    }
  }

  /** The overview the API answers and the page shows. */
  public Map<String, Object> overview() {
    CheckpointsSummary s = summary().orElseGet(CheckpointsSummary::new);
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("started", s.started);
    counts.put("inProgress", s.inProgress());
    counts.put("completed", s.completed);
    counts.put("failed", s.failed);
    counts.put("cleaned", s.cleaned);
    counts.put("verifiedOnRead", s.verifiedOnRead);
    counts.put("unverifiedOnRead", s.unverifiedOnRead);
    counts.put("metadataCheckpoints", s.metadataCheckpoints);
    counts.put("ancestorDecisions", s.ancestorDecisions);
    out.put("counts", counts);
    Map<String, Object> totals = new LinkedHashMap<>();
    totals.put("bytes", s.bytes);
    totals.put("records", s.records);
    totals.put("partitions", s.partitions);
    totals.put("partitionsFromCache", s.partitionsFromCache);
    totals.put("partitionsRecomputed", s.partitionsRecomputed);
    totals.put("partitionsByteCopied", s.partitionsByteCopied);
    out.put("totals", totals);
    out.put("latestCompleted", s.latestCompleted);
    out.put("latestFailed", s.latestFailed);
    out.put("latestUnverified", s.latestUnverified);
    Map<String, Object> hook = new LinkedHashMap<>();
    hook.put("status", s.hookStatus);
    hook.put("reason", s.hookReason);
    hook.put("sparkVersion", s.sparkVersion);
    hook.put("verifiedRange", s.verifiedRange);
    out.put("hook", hook);
    out.put("statistics", statistics(s));
    return out;
  }

  /** min/avg/max/p50/p90/p99 of duration, bytes and throughput, and the share from cache. */
  static Map<String, Object> statistics(CheckpointsSummary s) {
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("durationMs", s.durationMs.summary());
    stats.put("bytes", s.bytesWritten.summary());
    stats.put("bytesPerSecond", s.bytesPerSecond.summary());
    stats.put("shareOfPartitionsFromCache",
        s.partitions == 0 ? null : (double) s.partitionsFromCache / s.partitions);
    return stats;
  }

  /** The effective {@code spark.checkpointplus.*} settings, redacted, sorted by key. */
  public Map<String, Object> configuration() {
    Map<String, Object> conf = summary().map(s -> s.configuration).orElse(null);
    return conf == null ? Map.of() : new TreeMap<>(conf);
  }

  /** A page of rows of a list, and where it sits. */
  public static class Page<T> {
    public final long total;
    public final int page;
    public final int pageSize;
    public final List<T> rows;

    Page(long total, int page, int pageSize, List<T> rows) {
      this.total = total;
      this.page = page;
      this.pageSize = pageSize;
      this.rows = rows;
    }

    public long pages() {
      return Math.max(1, (total + pageSize - 1) / pageSize);
    }
  }

  /** A page of history rows, where it sits, and how it is sorted. */
  public static final class HistoryPage extends Page<CheckpointRow> {
    public final String sort;
    public final boolean descending;

    HistoryPage(int total, int page, int pageSize, String sort, boolean descending,
        List<CheckpointRow> rows) {
      super(total, page, pageSize, rows);
      this.sort = sort;
      this.descending = descending;
    }
  }
}
