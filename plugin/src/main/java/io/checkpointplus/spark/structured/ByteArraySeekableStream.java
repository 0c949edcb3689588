package io.checkpointplus.spark.structured;

import java.io.EOFException;
import java.io.IOException;
import org.apache.hadoop.fs.FSInputStream;

/** A small file already read and checked, served to Spark from memory. */
final class ByteArraySeekableStream extends FSInputStream {
  private final byte[] content;
  private int pos;

  ByteArraySeekableStream(byte[] content) {
    this.content = content;
  }

  @Override
  public int read() {
    return pos < content.length ? content[pos++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (pos >= content.length) {
      return -1;
    }
    int n = Math.min(len, content.length - pos);
    System.arraycopy(content, pos, b, off, n);
    pos += n;
    return n;
  }

  @Override
  public void seek(long target) throws IOException {
    if (target < 0 || target > content.length) {
      throw new EOFException("Cannot seek to " + target + " in a file of " + content.length
          + " bytes");
    }
    pos = (int) target;
  }

  @Override
  public long getPos() {
    return pos;
  }

  @Override
  public boolean seekToNewSource(long targetPos) {
    return false;
  }

  @Override
  public int available() {
    return content.length - pos;
  }
}
