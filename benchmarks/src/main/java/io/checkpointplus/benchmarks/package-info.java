/**
 * Side-by-side measurements: each benchmark runs the same work on stock Spark and on Spark with
 * the plugin, in one JVM and one run, and reports medians and ratios
 * ({@code benchmarks/target/results/*.json}).
 */
package io.checkpointplus.benchmarks;
