package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.util.kvstore.KVStore;
import org.apache.spark.util.kvstore.KVStoreIterator;
import org.apache.spark.util.kvstore.KVStoreView;

/**
 * A real store (RocksDB or in memory) seen through a counter: how many objects of each class a
 * request read, and the largest one as JSON (what a disk store decodes for it). Reads only:
 * the tab never writes.
 */
final class CountingStore implements KVStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KVStore store;
  private final Map<String, Long> reads = new ConcurrentHashMap<>();
  private final Map<String, Long> largest = new ConcurrentHashMap<>();

  CountingStore(KVStore store) {
    this.store = store;
  }

  void reset() {
    reads.clear();
    largest.clear();
  }

  /** Objects of the class with this simple name read since {@link #reset}. */
  long reads(String simpleName) {
    return reads.getOrDefault(simpleName, 0L);
  }

  /** The largest of them, in bytes of JSON. */
  long largestJson(String simpleName) {
    return largest.getOrDefault(simpleName, 0L);
  }

  private <T> T counted(T value) {
    if (value != null) {
      String name = value.getClass().getSimpleName();
      reads.merge(name, 1L, Long::sum);
      try {
        largest.merge(name, (long) JSON.writeValueAsBytes(value).length, Math::max);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return value;
  }

  @Override
  public <T> T getMetadata(Class<T> klass) throws Exception {
    return store.getMetadata(klass);
  }

  @Override
  public void setMetadata(Object value) {
    throw new UnsupportedOperationException("the tab only reads");
  }

  @Override
  public <T> T read(Class<T> klass, Object naturalKey) throws Exception {
    return counted(store.read(klass, naturalKey));
  }

  @Override
  public void write(Object value) {
    throw new UnsupportedOperationException("the tab only reads");
  }

  @Override
  public void delete(Class<?> type, Object naturalKey) {
    throw new UnsupportedOperationException("the tab only reads");
  }

  @Override
  public <T> KVStoreView<T> view(Class<T> type) throws Exception {
    KVStoreView<T> inner = store.view(type);
    return new KVStoreView<T>() {
      @Override
      public KVStoreView<T> reverse() {
        inner.reverse();
        return this;
      }

      @Override
      public KVStoreView<T> index(String name) {
        inner.index(name);
        return this;
      }

      @Override
      public KVStoreView<T> parent(Object value) {
        inner.parent(value);
        return this;
      }

      @Override
      public KVStoreView<T> first(Object value) {
        inner.first(value);
        return this;
      }

      @Override
      public KVStoreView<T> last(Object value) {
        inner.last(value);
        return this;
      }

      @Override
      public KVStoreView<T> max(long max) {
        inner.max(max);
        return this;
      }

      @Override
      public KVStoreView<T> skip(long n) {
        inner.skip(n);
        return this;
      }

      @Override
      public Iterator<T> iterator() {
        try {
          return closeableIterator();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public KVStoreIterator<T> closeableIterator() throws Exception {
        KVStoreIterator<T> it = inner.closeableIterator();
        return new KVStoreIterator<T>() {
          @Override
          public List<T> next(int max) {
            List<T> next = it.next(max);
            next.forEach(CountingStore.this::counted);
            return next;
          }

          @Override
          public boolean skip(long n) {
            return it.skip(n);
          }

          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public T next() {
            return counted(it.next());
          }

          @Override
          public void close() throws java.io.IOException {
            it.close();
          }
        };
      }
    };
  }

  @Override
  public long count(Class<?> type) throws Exception {
    return store.count(type);
  }

  @Override
  public long count(Class<?> type, String index, Object indexedValue) throws Exception {
    return store.count(type, index, indexedValue);
  }

  @Override
  public <T> boolean removeAllByIndexValues(Class<T> klass, String index,
      Collection<?> indexValues) {
    throw new UnsupportedOperationException("the tab only reads");
  }

  @Override
  public void close() throws java.io.IOException {
    store.close();
  }
}
