package io.checkpointplus.spark.ui;

import static io.checkpointplus.spark.ui.CheckpointsPages.item;
import static io.checkpointplus.spark.ui.CheckpointsPages.table;
import static io.checkpointplus.spark.ui.CheckpointsPages.td;
import static io.checkpointplus.spark.ui.Html.bytes;
import static io.checkpointplus.spark.ui.Html.duration;
import static io.checkpointplus.spark.ui.Html.escape;
import static io.checkpointplus.spark.ui.Html.number;
import static io.checkpointplus.spark.ui.Html.time;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Structured Streaming part of the tab: the list of queries on the overview, and one page
 * per query with its runs, integrity problems and batches. Links to Spark's own Structured
 * Streaming tab ({@code ../StreamingQuery/statistics?id=<run id>}) are relative, so they hold
 * live, in the History Server and behind a proxy.
 */
final class QueryPages {
  private QueryPages() {
  }

  /** The overview's section: every retained query, paged by {@code queryPage}. */
  static void list(StringBuilder h, CheckpointsQueries.Page<QueryRow> p) {
    h.append("<h4 id=\"queries\">Structured Streaming</h4>");
    if (p.total == 0) {
      h.append("<p>No Structured Streaming query yet.</p>");
      return;
    }
    h.append("<p>").append(p.total).append(" queries; page ").append(p.page).append(" of ")
        .append(p.pages()).append(". ");
    if (p.page > 1) {
      h.append("<a class=\"query-prev\" href=\"?queryPage=").append(p.page - 1)
          .append("#queries\">previous</a> ");
    }
    if (p.page < p.pages()) {
      h.append("<a class=\"query-next\" href=\"?queryPage=").append(p.page + 1)
          .append("#queries\">next</a>");
    }
    h.append("</p><table class=\"table table-bordered table-sm table-striped\" id=\"query-list\">"
        + "<thead><tr><th>Name</th><th>Query id</th><th>Status</th><th>Checkpoint location</th>"
        + "<th>Runs</th><th>Batches</th><th>Latest batch</th><th>Checkpoint files</th>"
        + "<th>Checkpoint bytes</th><th>Verified on read</th><th>Purged</th>"
        + "<th>Integrity problems</th><th>State rows</th></tr></thead><tbody>");
    for (QueryRow q : p.rows) {
      h.append("<tr class=\"query-row\">");
      td(h, "<a href=\"query?id=" + escape(q.id) + "\">" + (q.name == null ? "(unnamed)"
          : escape(q.name)) + "</a>");
      td(h, "<code>" + escape(q.id) + "</code>");
      td(h, escape(q.status));
      td(h, escape(q.location));
      td(h, number(q.runs == null ? 0 : q.runs.size() + (q.runsOmitted == null ? 0
          : q.runsOmitted)));
      td(h, number(q.batches));
      td(h, q.lastBatchId == null ? "" : q.lastBatchId + (q.lastBatchTime == null ? ""
          : " at " + escape(time(q.lastBatchTime))));
      td(h, number(q.checkpointFiles));
      td(h, escape(bytes(q.checkpointBytes)));
      td(h, number(q.filesVerified));
      td(h, number(q.purgedFiles));
      td(h, problems(q));
      td(h, number(q.stateRows));
      h.append("</tr>");
    }
    h.append("</tbody></table>");
  }

  private static String problems(QueryRow q) {
    if (q.damagedFiles + q.unverifiedFiles + q.unprotectedFiles == 0) {
      return "none";
    }
    return "<span class=\"query-problems\">" + number(q.damagedFiles) + " damaged, "
        + number(q.unverifiedFiles) + " read unchecked, " + number(q.unprotectedFiles)
        + " without a record</span>";
  }

  private static String sparkTabLink(String runId, String text) {
    return "<a class=\"spark-query-link\" href=\"../StreamingQuery/statistics?id="
        + escape(runId) + "\">" + escape(text) + "</a>";
  }

  /** One query: where its checkpoint is, its runs, its problems and a page of its batches. */
  static String query(QueryRow q, CheckpointsQueries.Page<QueryBatchRow> batches) {
    StringBuilder h = new StringBuilder(16_384);
    // Spark's frame shows the page's title (the query's name, or its id) above.
    h.append(CheckpointsPages.subNav()).append("<ul class=\"list-unstyled\" id=\"query-details\">");
    item(h, "Name", q.name == null ? "(unnamed)" : escape(q.name));
    item(h, "Query id", "<code>" + escape(q.id) + "</code>");
    item(h, "Status", escape(q.status));
    item(h, "Checkpoint location", escape(q.location));
    if (q.latestRunId != null) {
      item(h, "Latest run", sparkTabLink(q.latestRunId, q.latestRunId)
          + " (Spark's Structured Streaming tab)");
    }
    item(h, "Batches", number(q.batches) + " (" + number(q.retainedBatches) + " kept)"
        + (q.lastBatchId == null ? "" : "; latest " + q.lastBatchId));
    item(h, "Checkpoint files written", number(q.checkpointFiles) + " offset and commit files, "
        + escape(bytes(q.checkpointBytes)));
    item(h, "Files verified on read", number(q.filesVerified));
    item(h, "Purged by Spark's log retention", number(q.purgedFiles) + " offset and commit"
        + " files" + (q.latestPurged == null ? "" : ", the newest " + escape(q.latestPurged)));
    item(h, "Integrity problems", problems(q));
    if (q.stateRows != null) {
      item(h, "State (latest batch)", number(q.stateRows) + " rows, "
          + escape(bytes(q.stateMemoryBytes)) + " in memory");
    }
    h.append("</ul>");

    h.append("<h5>Runs</h5>");
    if (q.runs == null || q.runs.isEmpty()) {
      h.append("<p>None seen.</p>");
    } else {
      h.append("<table class=\"table table-bordered table-sm table-striped\" id=\"query-runs\">"
          + "<thead><tr><th>Run id</th><th>Started</th><th>Resumed at batch</th>"
          + "<th>Batches</th><th>Ended</th><th>Exception</th></tr></thead><tbody>");
      for (Map<String, Object> run : q.runs) {
        Object runId = run.get("runId");
        h.append("<tr class=\"query-run\">");
        td(h, runId == null ? "" : sparkTabLink(String.valueOf(runId), String.valueOf(runId)));
        td(h, run.get("started") instanceof Number n ? escape(time(n)) : "");
        td(h, run.containsKey("resumedAtBatch") ? escape(run.get("resumedAtBatch"))
            : "started afresh");
        td(h, run.containsKey("firstBatch") ? escape(run.get("firstBatch")) + " to "
            + escape(run.get("lastBatch")) : "");
        td(h, Boolean.TRUE.equals(run.get("ended")) ? "yes" : "");
        td(h, run.get("exception") == null ? ""
            : "<code class=\"query-exception\">" + escape(run.get("exception")) + "</code>");
        h.append("</tr>");
      }
      h.append("</tbody></table>");
      if (q.runsOmitted != null) {
        h.append("<p class=\"checkpoint-omitted\">and ").append(q.runsOmitted)
            .append(" earlier runs, not kept.</p>");
      }
    }

    if (q.problems != null && !q.problems.isEmpty()) {
      h.append("<h5>Integrity problems</h5>");
      table(h, "query-problems", q.problems, List.of("time", "type", "file", "detail", "runId"));
      if (q.problemsOmitted != null) {
        h.append("<p class=\"checkpoint-omitted\">and ").append(q.problemsOmitted)
            .append(" more, not kept.</p>");
      }
    }
    batches(h, q, batches);
    return h.toString();
  }

  private static void batches(StringBuilder h, QueryRow q,
      CheckpointsQueries.Page<QueryBatchRow> p) {
    h.append("<h5 id=\"batches\">Batches</h5><p>").append(p.total)
        .append(" kept, newest first; page ").append(p.page).append(" of ").append(p.pages())
        .append(". ");
    String base = "query?id=" + escape(q.id) + "&amp;pageSize=" + p.pageSize + "&amp;page=";
    if (p.page > 1) {
      h.append("<a class=\"batch-prev\" href=\"").append(base).append(p.page - 1)
          .append("#batches\">previous</a> ");
    }
    if (p.page < p.pages()) {
      h.append("<a class=\"batch-next\" href=\"").append(base).append(p.page + 1)
          .append("#batches\">next</a>");
    }
    h.append("</p>");
    if (p.rows.isEmpty()) {
      return;
    }
    h.append("<table class=\"table table-bordered table-sm table-striped\" id=\"query-batches\">"
        + "<thead><tr><th>Batch</th><th>Run</th><th>Started</th><th>Duration</th>"
        + "<th>Input rows</th><th>Checkpoint files</th><th>Checkpoint bytes</th>"
        + "<th>Offsets to commit</th><th>Verified on read</th>"
        + "<th>State rows</th><th>State memory</th><th>State files / bytes written</th>"
        + "<th>State operators</th></tr></thead><tbody>");
    for (QueryBatchRow b : p.rows) {
      h.append("<tr class=\"query-batch\">");
      td(h, b.batchId + (Boolean.TRUE.equals(b.resumed) ? " <em>(resumed here)</em>" : "")
          + (Boolean.TRUE.equals(b.committed) ? "" : " <em>(no commit recorded)</em>"));
      td(h, b.runId == null ? "" : sparkTabLink(b.runId, shortId(b.runId)));
      td(h, escape(time(b.time)));
      td(h, escape(duration(b.durationMs)));
      td(h, number(b.inputRows));
      td(h, files(b.checkpointFiles));
      td(h, escape(bytes(b.checkpointBytes)));
      td(h, escape(duration(b.offsetsToCommitMs)));
      td(h, number(b.filesVerified));
      td(h, number(b.stateRows));
      td(h, escape(bytes(b.stateMemoryBytes)));
      td(h, b.stateFilesWritten == null ? "" : number(b.stateFilesWritten) + " / "
          + escape(bytes(b.stateBytesWritten)));
      td(h, operators(b.stateOperators));
      h.append("</tr>");
    }
    h.append("</tbody></table>");
  }

  private static String shortId(String runId) {
    return runId.length() > 8 ? runId.substring(0, 8) : runId;
  }

  private static String files(List<Map<String, Object>> files) {
    if (files == null) {
      return "";
    }
    List<String> out = new ArrayList<>();
    for (Map<String, Object> f : files) {
      out.add(escape(f.get("file")) + (f.get("bytes") instanceof Number n
          ? " (" + escape(bytes(n)) + ")" : ""));
    }
    return String.join("<br>", out);
  }

  private static String operators(List<Map<String, Object>> operators) {
    if (operators == null) {
      return "";
    }
    List<String> out = new ArrayList<>();
    for (Map<String, Object> op : operators) {
      StringBuilder s = new StringBuilder(escape(op.get("name")));
      if (op.get("partitions") != null) {
        s.append(": ").append(escape(op.get("partitions"))).append(" partitions");
      }
      if (op.get("storeInstances") != null) {
        s.append(", ").append(escape(op.get("storeInstances"))).append(" stores");
      }
      if (op.get("sstBytes") instanceof Number n) {
        s.append(", SST files ").append(escape(bytes(n)));
      }
      if (op.get("stateSizeBytes") instanceof Number n) {
        s.append(", state ").append(escape(bytes(n)));
      }
      out.add(s.toString());
    }
    return String.join("<br>", out);
  }
}
