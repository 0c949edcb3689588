/**
 * Files: every byte the plugin writes to or reads from a checkpoint directory goes through
 * {@link io.checkpointplus.spark.files.CheckpointFileManager}, built on Hadoop's
 * {@code FileSystem} so that it behaves the same on local disk, HDFS and object stores: commit
 * modes, the integrity manifest, verification before a read
 * ({@link io.checkpointplus.spark.files.CheckpointVerifier}) and retention of earlier runs'
 * directories ({@link io.checkpointplus.spark.files.RetentionSweeper}), by the rules
 * ({@link io.checkpointplus.spark.files.RetentionRules}, on the storage's clock,
 * {@link io.checkpointplus.spark.files.StorageClock}) that the inspector's {@code clean} follows
 * too.
 */
package io.checkpointplus.spark.files;
