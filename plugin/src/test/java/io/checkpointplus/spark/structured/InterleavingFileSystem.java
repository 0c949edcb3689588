package io.checkpointplus.spark.structured;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Local files (scheme {@value #SCHEME}, {@code fs.interleaving.impl}) whose first rename onto a
 * file named {@link #held} waits, once it is done, until a rename onto {@link #releasedBy} is:
 * two writers of one file, the first published and then held before its next step while the
 * second runs to the end. The latches order the two; nothing sleeps.
 */
public final class InterleavingFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "interleaving";
  static volatile String held = "";
  static volatile String releasedBy = "";
  static volatile CountDownLatch heldPublished = new CountDownLatch(1);
  static volatile CountDownLatch released = new CountDownLatch(1);

  /** Holds the first writer after it renames onto {@code held}, until {@code releasedBy} exists. */
  static void arm(String heldName, String releasedByName) {
    held = heldName;
    releasedBy = releasedByName;
    heldPublished = new CountDownLatch(1);
    released = new CountDownLatch(1);
  }

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    boolean renamed = super.rename(src, dst);
    String name = dst.getName();
    if (renamed && name.equals(releasedBy) && heldPublished.getCount() == 0) {
      released.countDown();
    }
    if (renamed && name.equals(held) && heldPublished.getCount() > 0) {
      heldPublished.countDown();
      try {
        if (!released.await(60, TimeUnit.SECONDS)) {
          throw new IOException("the second writer never published " + releasedBy);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException();
      }
    }
    return renamed;
  }
}
