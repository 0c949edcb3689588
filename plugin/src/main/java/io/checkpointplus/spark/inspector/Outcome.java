package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a subcommand found: its exit code, its findings as JSON (printed with {@code --json}),
 * and the same findings as text for a person.
 */
record Outcome(int exitCode, ObjectNode json, String text) {
}
