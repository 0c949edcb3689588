package io.checkpointplus.spark.files;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/** Counts and checksums (CRC32C) the bytes that reach the file, i.e. after compression. */
public final class ChecksummedOutputStream extends FilterOutputStream {
  private final CRC32C crc = new CRC32C();
  private long count;

  public ChecksummedOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    crc.update(b);
    count++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    crc.update(b, off, len);
    count += len;
  }

  public long count() {
    return count;
  }

  public long crc32c() {
    return crc.getValue();
  }
}
