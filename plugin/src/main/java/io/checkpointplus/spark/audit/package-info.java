/**
 * Audit: the versioned {@link io.checkpointplus.spark.audit.AuditEvent} model and the
 * {@link io.checkpointplus.spark.audit.AuditLog} that delivers each event, off the job's thread,
 * to its sinks: Spark's event log, a JSON Lines file, the log and Spark's metrics. Recorders turn
 * what Spark itself does (context cleaner, streaming metadata checkpoints) into events. A slow or
 * failing sink never reaches the application.
 */
package io.checkpointplus.spark.audit;
