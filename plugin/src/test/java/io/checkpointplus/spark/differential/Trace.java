package io.checkpointplus.spark.differential;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** What one run of a program showed. */
final class Trace {
  /**
   * One line per step (its result or error summary, then the storage level of every program RDD),
   * then end-of-program lines (persisted RDDs, leftover threads, partition contents). Compared
   * for equality.
   */
  final List<String> observations = new ArrayList<>();
  /** After each step: the pool indices of checkpointed RDDs. Stock's must be a subset. */
  final List<Set<Integer>> checkpointed = new ArrayList<>();
  /** Pool index to RDD id minus the id of the program's first RDD (equal under nearest). */
  final Map<Integer, Integer> relativeIds = new LinkedHashMap<>();
  /** Pool index to the reliable checkpoint directory written for it. */
  final Map<Integer, String> checkpointFiles = new LinkedHashMap<>();

  Set<Integer> finalCheckpointed() {
    return checkpointed.isEmpty() ? new TreeSet<>() : checkpointed.get(checkpointed.size() - 1);
  }
}
