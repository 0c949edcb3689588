/**
 * The offline inspector {@code checkpoint-plus}
 * ({@link io.checkpointplus.spark.inspector.CheckpointPlusCommand}, the jar's
 * {@code Main-Class}): lists, verifies, decodes, compares and cleans checkpoint directories
 * without a running application, and says before a deploy whether a Spark Streaming
 * application can restart from its checkpoint. It reads streams structurally and never loads
 * or runs application code. It is a user-facing command shipped in the plugin jar, not a
 * build-time tool, hence its own package beside {@code tools}.
 */
package io.checkpointplus.spark.inspector;
