package io.checkpointplus.spark.inspector;

import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a Spark Streaming metadata checkpoint ({@code org.apache.spark.streaming.Checkpoint})
 * holds, read from its structurally decoded stream: checkpoint time, master, application name,
 * checkpoint interval, pending batches, the saved configuration and the DStream graph, with the
 * {@code rdd-N} checkpoint directories each DStream's checkpoint data names.
 */
final class StreamingCheckpoint {
  static final String CHECKPOINT_CLASS = "org.apache.spark.streaming.Checkpoint";
  static final String DSTREAM_CLASS = "org.apache.spark.streaming.dstream.DStream";
  static final String INPUT_DSTREAM_CLASS = "org.apache.spark.streaming.dstream.InputDStream";
  private static final Pattern RDD_DIR = Pattern.compile("(.*/)?(rdd-\\d+)(/.*)?");

  /** One DStream of the graph. */
  record DStreamInfo(int id, String className, Long slideMs, Long rememberMs,
      Long checkpointIntervalMs, List<Integer> parents, List<String> checkpointFiles,
      boolean output, boolean input) {
  }

  final long checkpointTimeMs;
  final String master;
  final String appName;
  final String checkpointDir;
  final Long checkpointIntervalMs;
  final Long batchDurationMs;
  final List<Long> pendingTimesMs;
  final Map<String, String> conf;
  final List<DStreamInfo> dstreams;
  final List<String> jars;

  private StreamingCheckpoint(long checkpointTimeMs, String master, String appName,
      String checkpointDir, Long checkpointIntervalMs, Long batchDurationMs,
      List<Long> pendingTimesMs, Map<String, String> conf, List<DStreamInfo> dstreams,
      List<String> jars) {
    this.checkpointTimeMs = checkpointTimeMs;
    this.master = master;
    this.appName = appName;
    this.checkpointDir = checkpointDir;
    this.checkpointIntervalMs = checkpointIntervalMs;
    this.batchDurationMs = batchDurationMs;
    this.pendingTimesMs = pendingTimesMs;
    this.conf = conf;
    this.dstreams = dstreams;
    this.jars = jars;
  }

  /**
   * Decodes the checkpoint in {@code file}.
   *
   * @throws IOException when its top-level object is not a streaming {@code Checkpoint}
   */
  static StreamingCheckpoint of(MetadataFile file) throws IOException {
    if (!(file.root instanceof SerialStream.Obj cp) || !SerialValues.isA(cp, CHECKPOINT_CLASS)) {
      throw new IOException("Streaming metadata checkpoint " + file.path + " holds "
          + (file.root instanceof SerialStream.Obj o ? "a " + o.desc.name : String.valueOf(
              file.root)) + ", expected a " + CHECKPOINT_CLASS);
    }
    Map<String, String> conf = new LinkedHashMap<>();
    for (Object pair : SerialValues.elements(cp.field("sparkConfPairs"))) {
      if (pair instanceof SerialStream.Obj t) {
        conf.put(String.valueOf(t.field("_1")), String.valueOf(t.field("_2")));
      }
    }
    List<Long> pending = new ArrayList<>();
    for (Object t : SerialValues.elements(cp.field("pendingTimes"))) {
      Long ms = SerialValues.millis(t);
      if (ms != null) {
        pending.add(ms);
      }
    }
    List<String> jars = new ArrayList<>();
    for (Object j : SerialValues.elements(cp.field("jars"))) {
      if (j instanceof String s) {
        jars.add(s);
      }
    }
    Object graph = cp.field("graph");
    Long batch = null;
    List<DStreamInfo> dstreams = List.of();
    if (graph instanceof SerialStream.Obj g) {
      batch = SerialValues.millis(g.field("batchDuration"));
      dstreams = dstreams(g, batch);
    }
    Long checkpointTime = SerialValues.millis(cp.field("checkpointTime"));
    return new StreamingCheckpoint(checkpointTime == null ? -1 : checkpointTime,
        (String) cp.field("master"), (String) cp.field("framework"),
        (String) cp.field("checkpointDir"), SerialValues.millis(cp.field("checkpointDuration")),
        batch, pending, conf, dstreams, jars);
  }

  private static List<DStreamInfo> dstreams(SerialStream.Obj graph, Long batchMs) {
    Set<SerialStream.Obj> outputs = new LinkedHashSet<>();
    Set<SerialStream.Obj> inputs = new LinkedHashSet<>();
    for (Object o : SerialValues.elements(graph.field("outputStreams"))) {
      if (o instanceof SerialStream.Obj d) {
        outputs.add(d);
      }
    }
    for (Object o : SerialValues.elements(graph.field("inputStreams"))) {
      if (o instanceof SerialStream.Obj d) {
        inputs.add(d);
      }
    }
    // Every DStream reachable from the graph, in discovery order; each one's parents are the
    // DStreams reachable from its own fields without passing through another DStream.
    Map<SerialStream.Obj, Integer> ids = new LinkedHashMap<>();
    Map<SerialStream.Obj, List<SerialStream.Obj>> parents = new IdentityHashMap<>();
    List<SerialStream.Obj> todo = new ArrayList<>(outputs);
    todo.addAll(inputs);
    while (!todo.isEmpty()) {
      SerialStream.Obj d = todo.remove(0);
      if (ids.containsKey(d)) {
        continue;
      }
      ids.put(d, ids.size());
      List<SerialStream.Obj> ps = new ArrayList<>();
      SerialValues.walk(d, new IdentityHashMap<>(), o -> {
        if (o != d && o instanceof SerialStream.Obj p && SerialValues.isA(p, DSTREAM_CLASS)) {
          ps.add(p);
        }
      }, o -> SerialValues.isA(o, DSTREAM_CLASS)
          || SerialValues.isA(o, "org.apache.spark.streaming.DStreamGraph")
          || o.desc.name.equals("org.apache.spark.streaming.dstream.DStreamCheckpointData"));
      parents.put(d, ps);
      todo.addAll(ps);
    }
    Map<SerialStream.Obj, Long> slides = new IdentityHashMap<>();
    List<DStreamInfo> out = new ArrayList<>();
    for (SerialStream.Obj d : ids.keySet()) {
      List<Integer> parentIds = new ArrayList<>();
      for (SerialStream.Obj p : parents.get(d)) {
        if (!parentIds.contains(ids.get(p))) {
          parentIds.add(ids.get(p));
        }
      }
      List<String> files = new ArrayList<>();
      Object data = d.field("checkpointData");
      if (data != null) {
        SerialValues.strings(data, s -> {
          Matcher m = RDD_DIR.matcher(s);
          if (m.matches() && !files.contains(s)) {
            files.add(s);
          }
        }, o -> SerialValues.isA(o, DSTREAM_CLASS));
      }
      Long checkpointMs = SerialValues.millis(d.field("checkpointDuration"));
      boolean mustCheckpoint = Boolean.TRUE.equals(d.field("mustCheckpoint"));
      out.add(new DStreamInfo(ids.get(d), d.desc.name, slide(d, parents, batchMs, slides, 0),
          SerialValues.millis(d.field("rememberDuration")),
          checkpointMs != null ? checkpointMs : (mustCheckpoint ? -1L : null), parentIds, files,
          outputs.contains(d), SerialValues.isA(d, INPUT_DSTREAM_CLASS)));
    }
    return out;
  }

  /**
   * A DStream's slide duration: its own field where it keeps one (windows), the batch duration
   * for an input stream, else its first parent's (what {@code DStream.slideDuration} computes).
   */
  private static Long slide(SerialStream.Obj d, Map<SerialStream.Obj, List<SerialStream.Obj>>
      parents, Long batchMs, Map<SerialStream.Obj, Long> memo, int depth) {
    if (memo.containsKey(d)) {
      return memo.get(d);
    }
    Long own = null;
    for (String name : List.of("_slideDuration", "slideDuration")) {
      if (own == null) {
        own = SerialValues.millis(d.field(name));
      }
    }
    if (own == null && SerialValues.isA(d, INPUT_DSTREAM_CLASS)) {
      own = batchMs;
    }
    if (own == null && depth < 1000) {
      List<SerialStream.Obj> ps = parents.get(d);
      if (ps != null && !ps.isEmpty()) {
        own = slide(ps.get(0), parents, batchMs, memo, depth + 1);
      }
    }
    memo.put(d, own);
    return own;
  }

  /** The {@code rdd-N} directory names the whole graph references. */
  Set<String> referencedRddPaths() {
    Set<String> out = new LinkedHashSet<>();
    for (DStreamInfo d : dstreams) {
      out.addAll(d.checkpointFiles());
    }
    return out;
  }
}
