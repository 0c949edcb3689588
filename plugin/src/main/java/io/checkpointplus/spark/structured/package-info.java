/**
 * Structured Streaming: the integrity and audit layer under Spark's pluggable
 * {@code CheckpointFileManager} for query checkpoint locations (offsets, commits,
 * {@code metadata}, {@code sources/}, state store files, a file sink's {@code _spark_metadata}).
 * Version-neutral: only Hadoop types appear here. The thin classes that implement Spark's trait,
 * whose package moved in Spark 4.1, live in one source folder per Spark API
 * ({@code plugin/src/main/sql-api34}, {@code plugin/src/main/sql-api41}) and forward here.
 * Nothing in this package is loaded unless {@code spark-sql} is on the class path.
 */
package io.checkpointplus.spark.structured;
