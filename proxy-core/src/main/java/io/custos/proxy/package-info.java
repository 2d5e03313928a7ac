/** The gateway process: listeners for each protocol, sessions, the backend relay, audit and metrics. */
package io.custos.proxy;
