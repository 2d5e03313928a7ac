/**
 * The audit trail: one {@link io.custos.proxy.audit.AuditRecord} per connection event and per statement, written by
 * an {@link io.custos.proxy.audit.AuditLog}. {@link io.custos.proxy.audit.FileAuditLog} writes JSON lines sealed
 * into one HMAC-SHA-256 chain ({@link io.custos.proxy.audit.AuditChain}) on a single writer thread behind a bounded
 * queue, rotates by size and day and continues across restarts; it never drops a record, and callers are held back
 * when it cannot keep up. {@link io.custos.proxy.audit.SessionAudit} is a session's side of it, holding a statement's
 * result until its record is durable under {@code durability: strict}. {@link io.custos.proxy.audit.TrailVerifier}
 * checks a trail's chain; {@link io.custos.proxy.audit.DatabaseAuditSink} copies the records into a database table.
 */
package io.custos.proxy.audit;
