/**
 * Limits on what clients may take of the gateway, shared by both protocols: connection counts (in total, per client
 * address, per user), the login lockout, and the idle timers of a session. The protocol sessions decide how a limit
 * reads in their protocol; this package only counts and times.
 */
package io.custos.proxy.limits;
