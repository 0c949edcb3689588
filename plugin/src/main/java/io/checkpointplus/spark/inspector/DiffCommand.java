package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.checkpointplus.spark.files.CompressionFormat;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;

/**
 * {@code diff A B}: two checkpoints of the same RDD ({@code rdd-N} directories: stock Spark's
 * and the plugin's, or two runs): partition counts, and per partition bytes, records and whether
 * the records are equal. Records are compared by their decoded form: Java serialization
 * structurally (class, field values; no class loaded), Kryo through Spark's serializer (without
 * the application's registrator) by their string form. Equal records in another order within a
 * partition are reported as such.
 */
final class DiffCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DiffCommand() {
  }

  /** One side: its directory, serializer, whether compressed, and its part files. */
  private record Side(Path dir, String serializer, boolean compressed, String codec,
      java.util.SortedMap<Integer, FileStatus> parts, boolean known) {
  }

  static Outcome run(Arguments args, Progress progress) throws Arguments.UsageException,
      IOException {
    if (args.positional.size() != 2) {
      throw new Arguments.UsageException("diff takes two rdd-N checkpoint directories, got "
          + args.positional.size());
    }
    Configuration hadoopConf = args.hadoopConf();
    SparkConf conf = args.sparkConf();
    Side a = side(new Path(args.positional.get(0)), hadoopConf, conf, progress);
    Side b = side(new Path(args.positional.get(1)), hadoopConf, conf, progress);
    FileSystem fsA = a.dir().getFileSystem(hadoopConf);
    FileSystem fsB = b.dir().getFileSystem(hadoopConf);
    ObjectNode json = JSON.createObjectNode();
    json.put("a", a.dir().toString()).put("b", b.dir().toString());
    json.put("partitionsA", a.parts().size()).put("partitionsB", b.parts().size());
    ArrayNode parts = json.putArray("partitions");
    StringBuilder out = new StringBuilder();
    out.append("A ").append(a.dir()).append(" (").append(a.parts().size()).append(" partitions, ")
        .append(a.serializer()).append(describe(a)).append(")\n");
    out.append("B ").append(b.dir()).append(" (").append(b.parts().size()).append(" partitions, ")
        .append(b.serializer()).append(describe(b)).append(")\n");
    boolean same = a.parts().size() == b.parts().size();
    Table t = new Table("partition", "bytes A", "bytes B", "records A", "records B", "records");
    long recordsA = 0;
    long recordsB = 0;
    // Paired by partition index (part-NNNNN), never by list position: a missing part file is
    // reported as missing, and the partitions after it still compare with their own.
    java.util.SortedSet<Integer> indices = new java.util.TreeSet<>(a.parts().keySet());
    indices.addAll(b.parts().keySet());
    for (int i : indices) {
      FileStatus pa = a.parts().get(i);
      FileStatus pb = b.parts().get(i);
      List<String> ra = pa == null ? null : records(fsA, pa.getPath(), a, conf);
      List<String> rb = pb == null ? null : records(fsB, pb.getPath(), b, conf);
      String verdict;
      if (ra == null || rb == null) {
        verdict = "only in " + (ra == null ? "B" : "A");
      } else if (ra.equals(rb)) {
        verdict = "equal";
      } else {
        List<String> sa = new ArrayList<>(ra);
        List<String> sb = new ArrayList<>(rb);
        sa.sort(null);
        sb.sort(null);
        verdict = sa.equals(sb) ? "equal, other order" : "DIFFERENT";
      }
      same &= verdict.startsWith("equal");
      recordsA += ra == null ? 0 : ra.size();
      recordsB += rb == null ? 0 : rb.size();
      ObjectNode n = parts.addObject().put("partition", i).put("verdict", verdict);
      if (pa != null) {
        n.put("bytesA", pa.getLen()).put("recordsA", ra.size());
      }
      if (pb != null) {
        n.put("bytesB", pb.getLen()).put("recordsB", rb.size());
      }
      t.row(i, pa == null ? null : pa.getLen(), pb == null ? null : pb.getLen(),
          ra == null ? null : ra.size(), rb == null ? null : rb.size(), verdict);
    }
    t.appendTo(out, "  ");
    json.put("recordsA", recordsA).put("recordsB", recordsB).put("equal", same);
    out.append(same ? "Same records in every partition (" + recordsA + " records)\n"
        : "The checkpoints DIFFER\n");
    return new Outcome(same ? Exit.OK : Exit.PROBLEMS, json, out.toString());
  }

  private static String describe(Side side) {
    return !side.known() ? ", no manifest" : side.compressed() ? ", compressed" : "";
  }

  private static Side side(Path dir, Configuration hadoopConf, SparkConf conf,
      Progress progress) throws IOException {
    FileSystem fs = dir.getFileSystem(hadoopConf);
    CheckpointScan scan = CheckpointScan.of(dir, fs, progress);
    if (scan.appDirs.size() != 1 || scan.appDirs.get(0).rdds.size() != 1) {
      throw new IOException(dir + " is not an rdd-N checkpoint directory");
    }
    CheckpointScan.Rdd rdd = scan.appDirs.get(0).rdds.get(0);
    String serializer = rdd.manifest != null ? rdd.manifest.serializer()
        : conf.get("spark.serializer", "org.apache.spark.serializer.JavaSerializer");
    boolean compressed = rdd.manifest != null ? rdd.manifest.compressed()
        : io.checkpointplus.spark.files.CheckpointFileManager.isCompressed(conf);
    String codec = rdd.manifest != null && rdd.manifest.codec() != null ? rdd.manifest.codec()
        : conf.get("spark.io.compression.codec", "lz4");
    return new Side(rdd.path, serializer, compressed, codec, new java.util.TreeMap<>(rdd.parts),
        rdd.manifest != null);
  }

  /**
   * The records of one part file, each in a comparable text form. With a manifest, its
   * compression is known; without one (stock Spark, whose {@code spark.checkpoint.compress}
   * default is false before Spark 4.1 and true since), it is read as {@code --conf} says if it
   * says, else with the codec its magic bytes name or raw ({@link RecordSample#codecs}); the
   * first complete reading counts.
   */
  private static List<String> records(FileSystem fs, Path file, Side side, SparkConf conf)
      throws IOException {
    List<String> codecs = side.known()
        ? List.of(side.compressed() ? side.codec() : CompressionFormat.NONE)
        : RecordSample.codecs(fs, file, conf);
    List<String> failures = new ArrayList<>();
    for (String codec : codecs) {
      try {
        return records(fs, file, side, conf, codec);
      } catch (IOException | RuntimeException e) {
        failures.add(codec + ": " + e.getMessage());
      }
    }
    throw new IOException(file + " cannot be read with " + side.serializer() + " (read as "
        + String.join(", then ", codecs) + "): " + String.join("; ", failures));
  }

  private static List<String> records(FileSystem fs, Path file, Side side, SparkConf conf,
      String codec) throws IOException {
    InputStream in = RecordSample.open(fs, file, codec, conf);
    List<String> out = new ArrayList<>();
    try (InputStream stream = in) {
      if (RecordSample.KRYO.equals(side.serializer())) {
        SparkConf safe = conf.clone().remove("spark.kryo.registrator")
            .remove("spark.kryo.classesToRegister")
            .set("spark.kryo.registrationRequired", "false");
        scala.collection.Iterator<Object> it = new KryoSerializer(safe).newInstance()
            .deserializeStream(stream).asIterator();
        while (it.hasNext()) {
          out.add(String.valueOf(it.next()));
        }
      } else {
        SerialStream s = new SerialStream(stream);
        // a missing or cut stream header fails, as Spark's ObjectInputStream does; an empty
        // partition is the header alone
        s.readHeader();
        Object[] next = new Object[1];
        while (s.next(next)) {
          out.add(canonical(next[0]));
        }
      }
    }
    return out;
  }

  /** A record's decoded form as text: class names and field values, recursively. */
  static String canonical(Object value) {
    StringBuilder sb = new StringBuilder();
    canonical(value, sb, new IdentityHashMap<>());
    return sb.toString();
  }

  private static void canonical(Object v, StringBuilder sb, Map<Object, Boolean> path) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      sb.append('"').append(s).append('"');
    } else if (v instanceof SerialStream.Obj o) {
      if (path.put(o, Boolean.TRUE) != null) {
        sb.append("@cycle");
        return;
      }
      sb.append(o.desc.name).append('{');
      for (Map.Entry<String, Map<String, Object>> c : o.fieldsByClass.entrySet()) {
        for (Map.Entry<String, Object> f : c.getValue().entrySet()) {
          sb.append(f.getKey()).append('=');
          canonical(f.getValue(), sb, path);
          sb.append(',');
        }
      }
      for (List<Object> a : o.annotations.values()) {
        sb.append('[');
        for (Object x : a) {
          canonical(x, sb, path);
          sb.append(',');
        }
        sb.append(']');
      }
      sb.append('}');
      path.remove(o);
    } else if (v instanceof SerialStream.Arr a) {
      sb.append(a.desc().name).append('[');
      for (Object x : a.elements()) {
        canonical(x, sb, path);
        sb.append(',');
      }
      sb.append(']');
    } else if (v instanceof SerialStream.Block b) {
      sb.append("block:").append(java.util.HexFormat.of().formatHex(b.bytes()));
    } else if (v instanceof SerialStream.EnumConst e) {
      sb.append(e.desc().name).append('.').append(e.constant());
    } else if (v instanceof SerialStream.ClassRef c) {
      sb.append("class ").append(c.desc().name);
    } else {
      sb.append(v);
    }
  }
}
