package io.checkpointplus.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;

/**
 * Writes local text files so that readers only ever see a complete file: the text goes to a
 * temporary file in the target's directory, which is then renamed over the target. A job that
 * is killed mid-write thus leaves either the old file or the new one, never a truncated one, and
 * rewriting a file with identical content after a recovery is harmless.
 */
final class AtomicFiles {

    private AtomicFiles() {
    }

    /** Writes {@code lines}, each followed by a newline, to {@code target} atomically. */
    static void writeLines(Path target, List<String> lines) {
        try {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            // A hidden sibling unique to this attempt; created with the default permissions.
            Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
            try {
                Files.write(temp, lines, StandardCharsets.UTF_8);
                Files.move(temp, target,
                        StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }
}
