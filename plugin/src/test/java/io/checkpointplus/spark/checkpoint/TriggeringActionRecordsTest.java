package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * What the action that triggers a checkpoint sees of the marked RDD's records. Stock Spark hands
 * that action the records as computed. The reuse persist goes through Spark's
 * {@code BlockManager.getOrElseUpdate}, which stores each computed partition and then hands the
 * task the stored block read back: for a serialized or disk level, the records as
 * {@code spark.serializer} restores them. A record whose serialized form is not all of it (a
 * {@code transient} field, a custom {@code writeObject}) differs in that one action, and only
 * there: later actions read the checkpoint, in stock Spark too. Reuse switched off gives stock's
 * records.
 */
class TriggeringActionRecordsTest extends WithLocalSpark {
  /** A record with a field the computation sets and serialization drops. */
  static final class Tagged implements Serializable {
    private static final long serialVersionUID = 1L;
    final int value;
    transient String note;

    Tagged(int value, String note) {
      this.value = value;
      this.note = note;
    }
  }

  /** The {@code note} of every record, as the triggering action and a later one see them. */
  private List<List<String>> notesSeen(SparkContext context) {
    sc = context;
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<Tagged> marked = new JavaSparkContext(sc).parallelize(
        IntStream.range(0, 100).boxed().collect(Collectors.toList()), 4)
        .map(x -> new Tagged(x, "computed"));
    marked.checkpoint();
    List<String> triggering = marked.map(t -> String.valueOf(t.note)).distinct().collect();
    List<String> later = marked.map(t -> String.valueOf(t.note)).distinct().collect();
    return List.of(triggering, later);
  }

  @Test
  void stockSparkHandsTheTriggeringActionTheComputedRecords() {
    assertEquals(List.of(List.of("computed"), List.of("null")), notesSeen(LocalSpark.stock(
        Map.of())));
  }

  @Test
  void withReuseTheTriggeringActionSeesTheRecordsAsTheSerializerRestoresThem() {
    assertEquals(List.of(List.of("null"), List.of("null")), notesSeen(LocalSpark.withPlugin(
        audit(), Map.of())));
  }

  @Test
  void withReuseOffTheTriggeringActionSeesTheComputedRecords() {
    assertEquals(List.of(List.of("computed"), List.of("null")), notesSeen(LocalSpark.withPlugin(
        audit(), Map.of("spark.checkpointplus.reuse.enabled", "false"))));
  }
}
