package io.checkpointplus.spark.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends each event as one line of JSON to a file on the driver. Each line is handed to the
 * operating system in a single append-mode write, so a driver that dies loses at most the event
 * being written and never leaves half a line before a later one.
 */
public final class JsonLinesSink implements AuditSink {
  private final Path file;
  private final FileChannel channel;

  public JsonLinesSink(Path file) throws IOException {
    this.file = file;
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
  }

  @Override
  public synchronized void accept(AuditEvent event) throws IOException {
    ByteBuffer line = ByteBuffer.wrap((event.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
    while (line.hasRemaining()) {
      channel.write(line);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "jsonl:" + file;
  }
}
