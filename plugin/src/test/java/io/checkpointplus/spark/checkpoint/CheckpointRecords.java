package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkContext;
import scala.reflect.ClassTag$;

/**
 * The records a checkpoint holds, checked against its {@code checkpoint.completed} event. The
 * plugin counts the records of the partitions it serializes; a partition written by byte copy is
 * not counted (event field {@code records} is the sum of counted partitions, absent when none
 * was counted; {@code partitionsNotCounted} how many were not). Those partitions are counted here by reading
 * them back with Spark's own reader, so the total is still checked exactly.
 */
final class CheckpointRecords {
  private CheckpointRecords() {
  }

  /**
   * Asserts the checkpoint of {@code completed} holds {@code expected} records: the event's
   * count plus the records read back from the partitions it did not count, each of which must
   * have been written by byte copy.
   */
  static void assertTotal(SparkContext sc, JsonNode completed, long expected) {
    List<Integer> notCounted = new ArrayList<>();
    long counted = 0;
    for (JsonNode f : completed.get("partitionFiles")) {
      if (f.get("records").isNull()) {
        assertEquals("byte-copy", f.get("writePath").asText(), "only copies go uncounted: " + f);
        notCounted.add(f.get("partition").asInt());
      } else {
        counted += f.get("records").asLong();
      }
    }
    if (notCounted.size() == completed.get("partitionFiles").size() && counted == 0) {
      // Nothing was counted: the event gives no count rather than a wrong zero.
      assertTrue(!completed.hasNonNull("records"), completed.toString());
    } else {
      assertEquals(counted, completed.get("records").asLong(), completed.toString());
    }
    assertEquals(notCounted.size(), completed.get("partitionsNotCounted").asInt());
    long readBack = 0;
    if (!notCounted.isEmpty()) {
      List<Long> perPartition = sc.checkpointFile(completed.get("dir").asText(),
          ClassTag$.MODULE$.<Object>apply(Object.class)).toJavaRDD()
          .mapPartitionsWithIndex((i, records) -> {
            long n = 0;
            for (Iterator<Object> it = records; it.hasNext(); it.next()) {
              n++;
            }
            return List.of(n).iterator();
          }, false).collect();
      for (int p : notCounted) {
        readBack += perPartition.get(p);
      }
    }
    assertTrue(counted >= 0);
    assertEquals(expected, counted + readBack, "records counted plus records of copied"
        + " partitions read back: " + completed);
  }
}
