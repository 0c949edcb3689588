package io.checkpointplus.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The audit events a child application appended to its JSON Lines file. */
record AuditTrail(List<JsonNode> events) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static AuditTrail read(Path file) {
    List<JsonNode> events = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file)) {
        events.add(JSON.readTree(line));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new AuditTrail(events);
  }

  List<JsonNode> ofType(String type) {
    return events.stream().filter(e -> e.get("type").asText().equals(type)).toList();
  }
}
