package io.checkpointplus.spark.ui;

import static io.checkpointplus.spark.ui.Html.bytes;
import static io.checkpointplus.spark.ui.Html.duration;
import static io.checkpointplus.spark.ui.Html.escape;
import static io.checkpointplus.spark.ui.Html.number;
import static io.checkpointplus.spark.ui.Html.time;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The tab's pages as HTML text, placed by {@link SparkPageFrame} in Spark's frame. Links are
 * relative (to sibling pages, and {@code ../jobs/}, {@code ../stages/}) so that they work in
 * the live UI, in the History Server under {@code /history/<app>/} and behind a proxy alike.
 * Charts are inline SVG: nothing to load, no script to fail.
 */
final class CheckpointsPages {
  private CheckpointsPages() {
  }

  /** Overview, summary statistics, timeline and the sortable, paged history. */
  static String overview(CheckpointsQueries queries, CheckpointsQueries.HistoryPage page,
      CheckpointsQueries.Page<QueryRow> queryPage) {
    CheckpointsSummary s = queries.summary().orElseGet(CheckpointsSummary::new);
    StringBuilder h = new StringBuilder(16_384);
    h.append(subNav());
    h.append("<h4 id=\"overview\">Overview</h4><ul class=\"list-unstyled\" id=\"checkpoint-counts\">");
    item(h, "Started", number(s.started));
    item(h, "In progress", number(s.inProgress()));
    item(h, "Completed", number(s.completed));
    item(h, "Failed", number(s.failed));
    item(h, "Cleaned", number(s.cleaned));
    item(h, "Restored checkpoints verified on read", number(s.verifiedOnRead)
        + " (" + number(s.unverifiedOnRead) + " failed verification)");
    item(h, "Streaming metadata checkpoints", number(s.metadataCheckpoints));
    item(h, "Total bytes written", escape(bytes(s.bytes)));
    item(h, "Total records written", number(s.records));
    item(h, "Hook", escape(s.hookStatus) + (s.hookReason == null ? ""
        : " (" + escape(s.hookReason) + ")"));
    item(h, "Spark version", escape(s.sparkVersion) + (s.verifiedRange == null ? ""
        : " (verified: " + escape(s.verifiedRange) + ")"));
    if (s.latestCompleted != null) {
      CheckpointRow c = s.latestCompleted;
      item(h, "Latest completed", detailsLink(c.id) + " RDD " + c.rddId
          + (c.name == null ? "" : " " + escape(c.name)) + ": " + escape(bytes(c.bytes)) + " in " + escape(duration(c.durationMs))
          + " at " + escape(time(c.startTime)));
    }
    if (s.latestFailed != null) {
      CheckpointRow f = s.latestFailed;
      item(h, "Latest failed", detailsLink(f.id) + " RDD " + f.rddId + " at "
          + escape(time(f.startTime)) + ": <code class=\"checkpoint-cause\">" + escape(f.cause)
          + "</code>");
    }
    if (s.latestUnverified != null) {
      item(h, "Latest unverified read", escape(s.latestUnverified.get("dir")) + ": "
          + escape(s.latestUnverified.get("cause")));
    }
    h.append("</ul>");
    QueryPages.list(h, queryPage);
    statistics(h, s);
    timeline(h, queries.newest(CheckpointsQueries.TIMELINE_BARS));
    history(h, page);
    return h.toString();
  }

  static String subNav() {
    return "<p class=\"checkpoint-nav\"><a href=\"./\">Overview</a> &middot; <a href=\"./#queries\">"
        + "Structured Streaming</a> &middot; <a href=\"./#statistics\">"
        + "Summary statistics</a> &middot; <a href=\"./#timeline\">Timeline</a> &middot; "
        + "<a href=\"./#history\">History</a> &middot; <a href=\"config\">Configuration</a>"
        + " &middot; <a href=\"api/overview\">JSON</a></p>";
  }

  static void item(StringBuilder h, String label, String valueHtml) {
    h.append("<li><strong>").append(escape(label)).append(":</strong> ").append(valueHtml)
        .append("</li>");
  }

  private static String detailsLink(long id) {
    return "<a href=\"details?id=" + id + "\">#" + id + "</a>";
  }

  private static void statistics(StringBuilder h, CheckpointsSummary s) {
    h.append("<h4 id=\"statistics\">Summary statistics</h4><p>Over all ").append(s.completed)
        .append(" completed checkpoints (percentiles within 2%).</p>")
        .append("<table class=\"table table-bordered table-sm table-striped\" id=\"checkpoint-statistics\">")
        .append("<thead><tr><th>Metric</th><th>Min</th><th>Average</th><th>Max</th><th>p50</th>"
            + "<th>p90</th><th>p99</th></tr></thead><tbody>");
    statRow(h, "Duration", s.durationMs, Html::duration);
    statRow(h, "Bytes", s.bytesWritten, Html::bytes);
    statRow(h, "Write throughput", s.bytesPerSecond, v -> bytes(v) + "/s");
    h.append("</tbody></table><p>Share of partitions read from cache: ");
    h.append(s.partitions == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f%% (%,d of %,d)",
        100.0 * s.partitionsFromCache / s.partitions, s.partitionsFromCache, s.partitions));
    if (s.partitionsByteCopied > 0) {
      h.append(String.format(Locale.ROOT, "; byte-copied: %,d", s.partitionsByteCopied));
    }
    h.append("</p>");
  }

  private static void statRow(StringBuilder h, String name, Statistic st,
      Function<Number, String> format) {
    Map<String, Object> sum = st.summary();
    h.append("<tr><td>").append(escape(name)).append("</td>");
    for (String k : List.of("min", "avg", "max", "p50", "p90", "p99")) {
      Object v = sum.get(k);
      h.append("<td>").append(v == null ? "" : escape(format.apply((Number) v))).append("</td>");
    }
    h.append("</tr>");
  }

  private static void timeline(StringBuilder h, List<CheckpointRow> rows) {
    List<CheckpointRow> done = new ArrayList<>();
    for (CheckpointRow r : rows) {
      if (CheckpointRow.COMPLETED.equals(r.status)) {
        done.add(r);
      }
    }
    h.append("<h4 id=\"timeline\">Timeline</h4>");
    if (done.isEmpty()) {
      h.append("<p>No completed checkpoint yet.</p>");
      return;
    }
    h.append("<p>Per completed checkpoint among the newest ").append(CheckpointsQueries.TIMELINE_BARS)
        .append(", oldest first (per batch for streaming).</p>");
    chart(h, "checkpoint-duration-chart", "Duration", done, r -> r.durationMs, Html::duration);
    chart(h, "checkpoint-bytes-chart", "Size", done, r -> r.bytes, Html::bytes);
  }

  /** A bar chart, one bar per checkpoint, with the value and the checkpoint in its tooltip. */
  private static void chart(StringBuilder h, String id, String title, List<CheckpointRow> rows,
      Function<CheckpointRow, Long> value, Function<Number, String> format) {
    int width = 900;
    int height = 140;
    int left = 70;
    long max = 1;
    for (CheckpointRow r : rows) {
      Long v = value.apply(r);
      max = Math.max(max, v == null ? 0 : v);
    }
    double slot = (double) (width - left - 10) / rows.size();
    h.append("<div class=\"checkpoint-chart\"><strong>").append(escape(title)).append("</strong>")
        .append("<svg id=\"").append(id).append("\" width=\"").append(width)
        .append("\" height=\"").append(height + 20).append("\" role=\"img\">")
        .append("<text x=\"0\" y=\"12\" font-size=\"11\">").append(escape(format.apply(max)))
        .append("</text><text x=\"0\" y=\"").append(height).append("\" font-size=\"11\">0</text>")
        .append("<line x1=\"").append(left - 2).append("\" y1=\"").append(height)
        .append("\" x2=\"").append(width).append("\" y2=\"").append(height)
        .append("\" stroke=\"#999\"/>");
    for (int i = 0; i < rows.size(); i++) {
      CheckpointRow r = rows.get(i);
      Long v = value.apply(r);
      double barHeight = v == null ? 0 : Math.max(1, (height - 5) * (double) v / max);
      String label = r.batchTime != null ? "batch " + time(r.batchTime) : time(r.startTime);
      h.append(String.format(Locale.ROOT,
          "<rect class=\"checkpoint-bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
              + " fill=\"#5b8fc7\"><title>", left + i * slot, height - barHeight,
          Math.max(1, slot * 0.8), barHeight))
          .append(escape("#" + r.id + " RDD " + r.rddId + ", " + label + ": "
              + (v == null ? "n/a" : format.apply(v))))
          .append("</title></rect>");
    }
    h.append("</svg></div>");
  }

  private static final String[][] COLUMNS = {
      {"id", "ID"}, {"rddId", "RDD"}, {"name", "Name"}, {null, "Call site"},
      {"status", "Status"}, {"startTime", "Started"}, {"durationMs", "Duration"},
      {"partitions", "Partitions"}, {"partitionsFromCache", "From cache / recomputed"},
      {"bytes", "Bytes"}, {"records", "Records"}, {"lineageDepthBefore", "Lineage depth before / after"},
      {"batchTime", "Batch time"}, {null, "Output op"}, {null, "Directory"}, {null, "Jobs"},
      {null, "Stages"}};

  private static void history(StringBuilder h, CheckpointsQueries.HistoryPage p) {
    h.append("<h4 id=\"history\">History</h4><p>").append(p.total)
        .append(" retained checkpoints; page ").append(p.page).append(" of ").append(p.pages())
        .append(". ").append(pager(p)).append("</p>")
        .append("<table class=\"table table-bordered table-sm table-striped\" id=\"checkpoint-history\">")
        .append("<thead><tr>");
    for (String[] c : COLUMNS) {
      if (c[0] == null) {
        h.append("<th>").append(escape(c[1])).append("</th>");
      } else {
        boolean sorted = c[0].equals(p.sort);
        boolean desc = sorted && !p.descending;
        h.append("<th><a href=\"").append(escape(historyHref(c[0], desc, 1, p.pageSize)))
            .append("\">").append(escape(c[1]))
            .append(sorted ? (p.descending ? " &#x25BE;" : " &#x25B4;") : "").append("</a></th>");
      }
    }
    h.append("</tr></thead><tbody>");
    for (CheckpointRow r : p.rows) {
      h.append("<tr class=\"checkpoint-row\">");
      td(h, detailsLink(r.id));
      td(h, String.valueOf(r.rddId));
      td(h, escape(r.name));
      td(h, escape(r.callSite));
      td(h, escape(r.status));
      td(h, escape(time(r.startTime)));
      td(h, escape(duration(r.durationMs)));
      td(h, number(r.partitions));
      td(h, r.partitionsFromCache == null ? "" : number(r.partitionsFromCache) + " / "
          + number(r.partitionsRecomputed));
      td(h, escape(bytes(r.bytes)));
      td(h, number(r.records));
      td(h, (r.lineageDepthBefore == null ? "" : r.lineageDepthBefore)
          + (r.lineageDepthAfter == null ? "" : " / " + r.lineageDepthAfter));
      td(h, r.batchTime == null ? "" : escape(time(r.batchTime)));
      td(h, r.outputOpId == null ? "" : String.valueOf(r.outputOpId));
      td(h, escape(r.dir));
      td(h, jobLinks(r));
      td(h, stageLinks(r));
      h.append("</tr>");
    }
    h.append("</tbody></table>");
  }

  private static String pager(CheckpointsQueries.HistoryPage p) {
    StringBuilder out = new StringBuilder();
    if (p.page > 1) {
      out.append("<a class=\"checkpoint-prev\" href=\"")
          .append(escape(historyHref(p.sort, p.descending, p.page - 1, p.pageSize)))
          .append("\">previous</a> ");
    }
    if (p.page < p.pages()) {
      out.append("<a class=\"checkpoint-next\" href=\"")
          .append(escape(historyHref(p.sort, p.descending, p.page + 1, p.pageSize)))
          .append("\">next</a>");
    }
    return out.toString();
  }

  private static String historyHref(String sort, boolean desc, int page, int pageSize) {
    return "?sort=" + sort + "&desc=" + desc + "&page=" + page + "&pageSize=" + pageSize
        + "#history";
  }

  static void td(StringBuilder h, String html) {
    h.append("<td>").append(html).append("</td>");
  }

  private static String jobLinks(CheckpointRow r) {
    StringBuilder out = new StringBuilder();
    if (r.jobIds != null) {
      for (Integer j : r.jobIds) {
        out.append("<a href=\"../jobs/job/?id=").append(j).append("\">").append(j).append("</a> ");
      }
    }
    return out.toString().trim();
  }

  private static String stageLinks(CheckpointRow r) {
    StringBuilder out = new StringBuilder();
    if (r.stageIds != null) {
      for (int i = 0; i < r.stageIds.size(); i++) {
        Integer s = r.stageIds.get(i);
        // The stage's own attempt when recorded; rows of older versions knew none: attempt 0.
        Integer attempt = r.stageAttempts != null && i < r.stageAttempts.size()
            ? r.stageAttempts.get(i) : Integer.valueOf(0);
        out.append("<a href=\"../stages/stage/?id=").append(s).append("&amp;attempt=")
            .append(attempt).append("\">").append(s).append("</a> ");
      }
    }
    return out.toString().trim();
  }

  /** Every partition, the plan's ancestor decisions, and for a failure what was left. */
  static String details(CheckpointRow r) {
    StringBuilder h = new StringBuilder(8192);
    h.append(subNav()).append("<h4>Checkpoint #").append(r.id).append(" of RDD ").append(r.rddId)
        .append("</h4><ul class=\"list-unstyled\" id=\"checkpoint-details\">");
    item(h, "Name", escape(r.name));
    item(h, "Call site", escape(r.callSite));
    item(h, "Status", escape(r.status));
    item(h, "Started", escape(time(r.startTime)));
    item(h, "Duration", escape(duration(r.durationMs)));
    item(h, "Directory", escape(r.dir));
    item(h, "Partitions", number(r.partitions) + (r.partitionsFromCache == null ? ""
        : " (" + number(r.partitionsFromCache) + " from cache, " + number(r.partitionsRecomputed)
            + " recomputed" + (r.partitionsByteCopied == null ? ""
            : ", " + number(r.partitionsByteCopied) + " byte-copied") + ")"));
    item(h, "Bytes", escape(bytes(r.bytes)));
    item(h, "Records", number(r.records) + (r.partitionsNotCounted == null
        || r.partitionsNotCounted == 0 ? "" : " (not counting the records of "
        + number(r.partitionsNotCounted) + " byte-copied partitions)"));
    item(h, "Lineage depth before / after", (r.lineageDepthBefore == null ? "" : r.lineageDepthBefore)
        + (r.lineageDepthAfter == null ? "" : " / " + r.lineageDepthAfter));
    if (r.batchTime != null) {
      item(h, "Streaming batch", escape(time(r.batchTime)) + ", output operation "
          + escape(r.outputOpId));
    }
    if (Boolean.TRUE.equals(r.background)) {
      item(h, "Written", "in the background, after its " + (r.batchTime != null ? "batch"
          : "action") + " (which waited " + escape(duration(r.batchWaitedMs == null ? 0L
          : r.batchWaitedMs)) + " for the previous background write)");
    }
    if (r.truncatedAt != null) {
      item(h, "Lineage truncated", escape(time(r.truncatedAt))
          + (r.truncatedAfterBatchMs == null ? ""
              : ", " + escape(duration(r.truncatedAfterBatchMs)) + " after its job ended"));
    }
    item(h, "Jobs", jobLinks(r));
    item(h, "Stages", stageLinks(r));
    if (r.cause != null) {
      item(h, "Cause", "<code class=\"checkpoint-cause\">" + escape(r.cause) + "</code>");
    }
    h.append("</ul>");
    if (r.leftOnDisk != null) {
      h.append("<h5>Left on disk</h5>");
      if (r.leftOnDisk.isEmpty()) {
        h.append("<p>Nothing.</p>");
      } else {
        h.append("<ul id=\"checkpoint-left-on-disk\">");
        r.leftOnDisk.forEach(f -> h.append("<li>").append(escape(f)).append("</li>"));
        h.append("</ul>");
      }
    }
    h.append("<h5>Partitions</h5>");
    if (r.partitionFiles == null) {
      h.append("<p>This event log carries no per-partition record (written by an earlier"
          + " plugin version, or the checkpoint did not complete).</p>");
    } else {
      table(h, "checkpoint-partitions", r.partitionFiles, List.of("partition", "file", "bytes",
          "records", "crc32c", "source", "writePath", "taskAttemptId"));
      if (r.partitionFilesOmitted != null) {
        h.append("<p class=\"checkpoint-omitted\">and ").append(r.partitionFilesOmitted)
            .append(" more partitions, not kept (the first ")
            .append(r.partitionFiles.size()).append(" are shown).</p>");
      }
    }
    h.append("<h5>Ancestor decisions of its plan</h5>");
    if (r.ancestorDecisions == null) {
      h.append("<p>None recorded.</p>");
    } else {
      table(h, "checkpoint-ancestors", r.ancestorDecisions, List.of("rddId", "decision", "rule",
          "policy", "dryRun", "lineageDepth", "callSite"));
      if (r.ancestorDecisionsOmitted != null) {
        h.append("<p class=\"checkpoint-omitted\">and ").append(r.ancestorDecisionsOmitted)
            .append(" more decisions, not kept.</p>");
      }
    }
    if (r.cleaned != null) {
      h.append("<h5>Cleaned</h5>");
      table(h, "checkpoint-cleaned", r.cleaned, List.of("time", "reason", "files", "dryRun", "deleted"));
      if (r.cleanedOmitted != null) {
        h.append("<p class=\"checkpoint-omitted\">and ").append(r.cleanedOmitted)
            .append(" more clean-ups, not kept.</p>");
      }
    }
    return h.toString();
  }

  /**
   * A table of {@code rows}: the {@code preferred} columns first, then any other field the
   * events carry (a later plugin version may add some), so nothing recorded is hidden.
   */
  static void table(StringBuilder h, String id, List<Map<String, Object>> rows,
      List<String> preferred) {
    java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(preferred);
    rows.forEach(r -> all.addAll(r.keySet()));
    List<String> columns = new ArrayList<>();
    for (String c : all) {
      if (rows.stream().anyMatch(r -> r.get(c) != null)) {
        columns.add(c);
      }
    }
    h.append("<table class=\"table table-bordered table-sm table-striped\" id=\"").append(id)
        .append("\"><thead><tr>");
    columns.forEach(c -> h.append("<th>").append(escape(c)).append("</th>"));
    h.append("</tr></thead><tbody>");
    for (Map<String, Object> row : rows) {
      h.append("<tr>");
      for (String c : columns) {
        Object v = row.get(c);
        String text = v == null ? "" : c.equals("bytes") && v instanceof Number ? bytes((Number) v)
            : c.equals("time") && v instanceof Number ? time((Number) v) : String.valueOf(v);
        h.append("<td>").append(escape(text)).append("</td>");
      }
      h.append("</tr>");
    }
    h.append("</tbody></table>");
  }

  /** The effective settings, redacted as the plugin recorded them. */
  static String configuration(Map<String, Object> conf) {
    StringBuilder h = new StringBuilder(4096).append(subNav())
        .append("<h4>Configuration</h4><p>The effective spark.checkpointplus.* settings"
            + " (secrets redacted), as the plugin recorded them at start-up.</p>")
        .append("<table class=\"table table-bordered table-sm table-striped\" id=\"checkpoint-config\">")
        .append("<thead><tr><th>Name</th><th>Value</th></tr></thead><tbody>");
    conf.forEach((k, v) -> h.append("<tr><td>").append(escape(k)).append("</td><td>")
        .append(escape(v)).append("</td></tr>"));
    return h.append("</tbody></table>").toString();
  }
}
