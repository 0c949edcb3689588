package io.checkpointplus.spark.audit;

/** Where audit events go. Implementations may throw; {@link AuditLog} contains the failure. */
public interface AuditSink extends AutoCloseable {
  void accept(AuditEvent event) throws Exception;

  @Override
  default void close() throws Exception {
  }
}
