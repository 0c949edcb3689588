package io.checkpointplus.spark.differential;

import java.util.List;

/** A generated program: its seed, the configuration it runs under, and its steps. */
final class Program {
  final long seed;
  final DifferentialConfig config;
  final List<Step> steps;

  Program(long seed, DifferentialConfig config, List<Step> steps) {
    this.seed = seed;
    this.config = config;
    this.steps = List.copyOf(steps);
  }

  /** A readable listing: the seed, the configuration and one numbered line per step. */
  String listing() {
    StringBuilder sb = new StringBuilder();
    sb.append("seed ").append(seed).append(", configuration ").append(config).append('\n');
    for (int i = 0; i < steps.size(); i++) {
      sb.append(String.format("  %2d: %s%n", i, steps.get(i)));
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return listing();
  }
}
