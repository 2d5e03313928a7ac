/**
 * The audit trail: one {@link io.custos.proxy.audit.AuditRecord} per connection event and per statement, written by
 * an {@link io.custos.proxy.audit.AuditLog}. The file log writes JSON lines on a single writer thread behind a bounded
 * queue; it never drops a record, and callers are held back when it cannot keep up.
 */
package io.custos.proxy.audit;
