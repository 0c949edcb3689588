package io.checkpointplus.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** What an example application wrote: its committed output files and their contents. */
final class OutputFiles {
  private OutputFiles() {
  }

  /**
   * Every committed file below {@code output}, by relative path. A hidden temporary file is what
   * a write interrupted by a kill left behind, not output.
   */
  static Map<String, String> committed(Path output) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (var walk = Files.walk(output)) {
      for (Path p : walk.filter(Files::isRegularFile)
          .filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
        files.put(output.relativize(p).toString(), Files.readString(p));
      }
    }
    return files;
  }
}
