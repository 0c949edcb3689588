package io.checkpointplus.spark.inspector;

/** The exit codes of {@code checkpoint-plus}, as its usage text and the README list them. */
final class Exit {
  /** Everything checked is intact, compatible or equal; the command did what was asked. */
  static final int OK = 0;
  /**
   * The command ran and found a problem: damage ({@code verify}, {@code summary}), a restart
   * that would fail ({@code upgrade-check}), checkpoints that differ ({@code diff}), a
   * directory {@code clean} could not remove.
   */
  static final int PROBLEMS = 1;
  /** The command line is wrong (unknown command or option, missing argument). */
  static final int USAGE = 2;
  /**
   * A path could not be read at all (missing, permission, unreachable store), or {@code clean}
   * refused to judge a root whose streaming metadata cannot be read.
   */
  static final int ERROR = 3;

  /**
   * Nothing found fails, but not everything could be checked: {@code upgrade-check} could not
   * check some classes (a serialVersionUID computed at initialisation, a class file or fields
   * that cannot be read), so whether a restart succeeds cannot be told; {@code verify} found
   * records of classes not on its class path, so whether Spark reads them cannot be told.
   */
  static final int CANNOT_TELL = 4;

  private Exit() {
  }
}
