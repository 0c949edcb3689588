/**
 * Two ordinary Apache Spark applications that exercise checkpointing the way real jobs do.
 *
 * <ul>
 *   <li>{@link io.checkpointplus.examples.RealtimeFeatures}: a recoverable Spark Streaming
 *       (DStream) job computing recommendation features from a generated click stream, with
 *       {@code mapWithState}, {@code updateStateByKey} and an inverse-reduced window.</li>
 *   <li>{@link io.checkpointplus.examples.IterativeRank}: a PageRank-style RDD job that
 *       checkpoints every few iterations without persisting first.</li>
 * </ul>
 *
 * <p>Both generate their input deterministically, so any two runs (including a run that is
 * killed and recovered from its checkpoint) produce identical output files. They use only
 * public Spark APIs and can be submitted to a stock Spark 3.5 installation.
 */
package io.checkpointplus.examples;
