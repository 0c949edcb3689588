package io.checkpointplus.spark.checkpoint;

import scala.collection.AbstractIterator;
import scala.collection.Iterator;

/** A partition's records, with whether they were read from the block manager. */
final class SourcedIterator<T> extends AbstractIterator<T> {
  private final Iterator<T> records;
  private final boolean fromCache;

  SourcedIterator(Iterator<T> records, boolean fromCache) {
    this.records = records;
    this.fromCache = fromCache;
  }

  boolean fromCache() {
    return fromCache;
  }

  @Override
  public boolean hasNext() {
    return records.hasNext();
  }

  @Override
  public T next() {
    return records.next();
  }
}
