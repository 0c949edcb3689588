/**
 * Audit: the versioned {@link io.checkpointplus.spark.audit.AuditEvent} model and the
 * {@link io.checkpointplus.spark.audit.AuditLog} that hands each event to its sinks (a JSON Lines
 * file, the log). A failing sink never reaches the application.
 */
package io.checkpointplus.spark.audit;
