/**
 * Files: every byte the plugin writes to or reads from a checkpoint directory goes through
 * {@link io.checkpointplus.spark.files.CheckpointFileManager}, built on Hadoop's
 * {@code FileSystem} so that it behaves the same on local disk, HDFS and object stores.
 */
package io.checkpointplus.spark.files;
