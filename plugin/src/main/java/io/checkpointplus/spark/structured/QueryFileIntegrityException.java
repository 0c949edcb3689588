package io.checkpointplus.spark.structured;

import java.io.IOException;

/**
 * A file of a query location differs from what was committed. An {@code IOException}, so that
 * Spark fails the query (or the task that read a state file) with it, naming the file, before
 * the batch that would use the damaged content completes.
 */
public final class QueryFileIntegrityException extends IOException {
  private static final long serialVersionUID = 1L;

  QueryFileIntegrityException(String message) {
    super(message);
  }
}
