/**
 * Checkpoint writing: the plugin's {@link io.checkpointplus.spark.checkpoint.PluginCheckpointData}
 * takes the place of Spark's {@code ReliableRDDCheckpointData} and writes through
 * {@link io.checkpointplus.spark.checkpoint.CheckpointWriter}, which reads each partition from the
 * block manager where the job left it, copies the bytes of a block already serialized as the
 * checkpoint would write it ({@code BlockCopy}), and records where every partition came from and
 * how it was written.
 */
package io.checkpointplus.spark.checkpoint;
