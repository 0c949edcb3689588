package io.checkpointplus.spark.files;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API on a free loopback port (s3proxy over jclouds' in-memory store), with one bucket,
 * and the Spark settings that point Hadoop's S3A client at it. The store is what the tests
 * inspect directly: objects as stored, behind S3A's back.
 */
public final class InProcessS3 implements AutoCloseable {
  public final BlobStore store;
  final String bucket;
  private final S3Proxy proxy;
  /**
   * Calls the S3 server made on its store, by method (putBlob, copyBlob, removeBlob,
   * blobMetadata, list, ...): close to the requests clients sent, counted where they land.
   */
  public final java.util.Map<String, java.util.concurrent.atomic.AtomicLong> storeCalls;

  private InProcessS3(BlobStore store, String bucket, S3Proxy proxy,
      java.util.Map<String, java.util.concurrent.atomic.AtomicLong> storeCalls) {
    this.store = store;
    this.bucket = bucket;
    this.proxy = proxy;
    this.storeCalls = storeCalls;
  }

  public static InProcessS3 start(String bucket) throws Exception {
    BlobStoreContext context = ContextBuilder.newBuilder("transient")
        .credentials("access", "secret").build(BlobStoreContext.class);
    BlobStore store = context.getBlobStore();
    store.createContainerInLocation(null, bucket);
    java.util.Map<String, java.util.concurrent.atomic.AtomicLong> calls =
        new java.util.concurrent.ConcurrentHashMap<>();
    BlobStore counted = (BlobStore) java.lang.reflect.Proxy.newProxyInstance(
        BlobStore.class.getClassLoader(), new Class<?>[] {BlobStore.class}, (p, m, a) -> {
          calls.computeIfAbsent(m.getName(), k -> new java.util.concurrent.atomic.AtomicLong())
              .incrementAndGet();
          try {
            return m.invoke(store, a);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    S3Proxy proxy = S3Proxy.builder().blobStore(counted).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret").build();
    proxy.start();
    while (!proxy.getState().equals("STARTED")) {
      // start() returns before Jetty has bound its port; parked, not spun, between checks
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    return new InProcessS3(store, bucket, proxy, calls);
  }

  /**
   * Ages the objects whose key starts with {@code keyPrefix}, but those {@code keep} accepts:
   * their Last-Modified, as the store reports it to every client, moves {@code ms} back, as if
   * they had been written then (the in-memory store stamps each object with its own clock and
   * has no API to set the time, so the stored metadata is changed in place).
   */
  void age(String keyPrefix, long ms, java.util.function.Predicate<String> keep)
      throws Exception {
    org.jclouds.blobstore.LocalStorageStrategy stored = storageStrategy(store, 4);
    if (stored == null || !stored.containerExists(bucket)) {
      throw new IllegalStateException("no in-memory storage with bucket " + bucket + " behind "
          + store.getClass());
    }
    for (String key : stored.getBlobKeysInsideContainer(bucket, keyPrefix)) {
      if (key.startsWith(keyPrefix) && !keep.test(key)) {
        org.jclouds.blobstore.domain.MutableBlobMetadata m = stored.getBlob(bucket, key)
            .getMetadata();
        m.setLastModified(new java.util.Date(m.getLastModified().getTime() - ms));
      }
    }
  }

  /**
   * The in-memory storage behind {@code o} (a proxy of jclouds' LocalBlobStore), found among
   * the fields of {@code o}, of its invocation handler, and theirs; null if none.
   */
  private static org.jclouds.blobstore.LocalStorageStrategy storageStrategy(Object o, int depth)
      throws IllegalAccessException {
    if (o instanceof org.jclouds.blobstore.LocalStorageStrategy found) {
      return found;
    }
    if (o == null || depth < 0) {
      return null;
    }
    if (java.lang.reflect.Proxy.isProxyClass(o.getClass())) {
      return storageStrategy(java.lang.reflect.Proxy.getInvocationHandler(o), depth - 1);
    }
    if (!o.getClass().getName().startsWith("org.jclouds")
        && !o.getClass().getName().startsWith("com.google")) {
      return null;
    }
    for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (java.lang.reflect.Field f : c.getDeclaredFields()) {
        if (f.getType().isPrimitive() || java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        try {
          f.setAccessible(true);
        } catch (RuntimeException inaccessible) {
          continue;
        }
        org.jclouds.blobstore.LocalStorageStrategy found = storageStrategy(f.get(o), depth - 1);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** {@code extra} plus the {@code spark.hadoop.fs.s3a.*} settings that reach this server. */
  public Map<String, String> sparkSettings(Map<String, String> extra) {
    Map<String, String> conf = new HashMap<>(extra);
    conf.put("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:" + proxy.getPort());
    conf.put("spark.hadoop.fs.s3a.access.key", "access");
    conf.put("spark.hadoop.fs.s3a.secret.key", "secret");
    conf.put("spark.hadoop.fs.s3a.path.style.access", "true");
    conf.put("spark.hadoop.fs.s3a.connection.ssl.enabled", "false");
    conf.put("spark.hadoop.fs.s3a.aws.credentials.provider",
        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    conf.put("spark.hadoop.fs.s3a.change.detection.mode", "none");
    conf.put("spark.hadoop.fs.s3a.impl.disable.cache", "true");
    // s3proxy answers 501 to the checksum header the AWS SDK of Hadoop 3.5 (Spark 4.2) puts on
    // bulk DeleteObjects requests; one DeleteObject per file works on every Hadoop line.
    conf.put("spark.hadoop.fs.s3a.multiobjectdelete.enable", "false");
    return conf;
  }

  /** The calls of one kind the server made on its store so far. */
  public long calls(String method) {
    java.util.concurrent.atomic.AtomicLong n = storeCalls.get(method);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
  }
}
