package io.checkpointplus.spark.inspector;

import java.io.PrintStream;

/**
 * Progress of a long listing on standard error (never on standard output, which carries the
 * findings and the JSON): one line every {@value #EVERY} entries.
 */
final class Progress {
  static final int EVERY = 5_000;
  private final PrintStream err;
  private long count;

  Progress(PrintStream err) {
    this.err = err;
  }

  /** Reports one step as it happens (a directory clean removed), unless quiet. */
  void event(String line) {
    if (err != null) {
      err.println("checkpoint-plus: " + line);
      err.flush();
    }
  }

  /** Counts one more entry listed under {@code where}. */
  void listed(String where) {
    count++;
    if (err != null && count % EVERY == 0) {
      err.println("checkpoint-plus: " + count + " files listed (now in " + where + ")");
    }
  }
}
