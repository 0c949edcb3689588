package io.checkpointplus.spark.files;

/**
 * A checkpoint on disk does not match its manifest: a partition file is missing, truncated or
 * corrupted. The message names the file, what the manifest expected and what was found.
 */
public final class CheckpointVerificationException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public CheckpointVerificationException(String message) {
    super(message);
  }
}
