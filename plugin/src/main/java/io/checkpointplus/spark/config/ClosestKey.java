package io.checkpointplus.spark.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the known key a mistyped one was probably meant to be, by edit distance, so that an
 * unknown-key error can say "did you mean ...?". Keys differing only in case (a common slip with
 * camelCase keys such as {@code reuse.storageLevel}) count as the closest possible match.
 */
final class ClosestKey {
  private ClosestKey() {
  }

  /**
   * The known key nearest to {@code unknown}, if it is near enough to be a plausible typo: at
   * most a third of the unknown key's characters after the common prefix need changing.
   */
  static Optional<String> to(String unknown, Collection<String> known, String commonPrefix) {
    String wanted = suffix(unknown, commonPrefix);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int d = distance(wanted, suffix(candidate, commonPrefix));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(1, wanted.length() / 3)
        ? Optional.of(best) : Optional.empty();
  }

  private static String suffix(String key, String prefix) {
    String s = key.startsWith(prefix) ? key.substring(prefix.length()) : key;
    return s.toLowerCase(Locale.ROOT);
  }

  /** Levenshtein distance: insertions, deletions and substitutions each cost one. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
