/**
 * TLS for both protocols and both sides: the gateway's server context towards clients (its certificate, the client
 * CA, the tls-server-end-point channel binding data), the client contexts towards databases with the verification
 * the policy asks for, and client certificate rules. Netty's {@code SslHandler} with the JDK provider, TLS 1.2 and 1.3
 * only. The protocol packages decide when a connection switches to TLS; this package only makes the handlers.
 */
package io.custos.proxy.tls;
