package io.checkpointplus.spark.structured;

import java.io.IOException;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.Path;

/**
 * Reads a large file of a query location (a state file) through Spark's stream while checking
 * it against its record: at the end of the file, or at close (the rest is read then, since a
 * state store reader stops at its end marker). A reader that seeks gets the file unchecked, as
 * stock Spark reads it.
 */
final class VerifyingInputStream extends FSInputStream {
  private final FSDataInputStream in;
  private final Path path;
  private final IntegrityRecord record;
  private final QueryFile file;
  private final QueryFileStore store;
  private final CRC32C crc = new CRC32C();
  private long count;
  private boolean seeked;
  private boolean checked;

  VerifyingInputStream(FSDataInputStream in, Path path, IntegrityRecord record, QueryFile file,
      QueryFileStore store) {
    this.in = in;
    this.path = path;
    this.record = record;
    this.file = file;
    this.store = store;
  }

  /**
   * How much of a file not read to its end is read at close to check it; past that (a killed
   * task, a reader that needed only a header) the file goes unchecked rather than read whole.
   */
  private static final long CHECK_AT_CLOSE_BYTES = 8L << 20;

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b < 0) {
      check();
    } else {
      crc.update(b);
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n < 0) {
      check();
    } else {
      crc.update(b, off, n);
      count += n;
    }
    return n;
  }

  private void check() throws IOException {
    if (checked || seeked) {
      return;
    }
    checked = true;
    String difference = record.difference(count, crc.getValue());
    if (difference == null) {
      QueryLocationAudit.verified(file, path);
      return;
    }
    IOException damage = store.mismatch(file, path, difference);
    if (damage != null) {
      throw damage;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      if (!checked && !seeked && record.largestBytes() - count <= CHECK_AT_CLOSE_BYTES) {
        byte[] rest = new byte[8192];
        while (read(rest, 0, rest.length) >= 0) {
          // read() checks at the end
        }
      }
    } finally {
      in.close();
    }
  }

  @Override
  public void seek(long pos) throws IOException {
    if (pos != count) {
      seeked = true;
    }
    in.seek(pos);
  }

  @Override
  public long getPos() throws IOException {
    return in.getPos();
  }

  @Override
  public boolean seekToNewSource(long targetPos) throws IOException {
    seeked = true;
    return in.seekToNewSource(targetPos);
  }

  @Override
  public int available() throws IOException {
    return in.available();
  }
}
