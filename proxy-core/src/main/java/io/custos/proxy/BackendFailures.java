package io.custos.proxy;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;

/**
 * Why a backend connection could not be opened, in words a client may read: never the host, port or account, which
 * the log line beside it names for the operator.
 */
public final class BackendFailures {
    private BackendFailures() {}

    /** The client's message for a failed connection attempt: {@code custos: cannot connect to the database[: why]}. */
    public static String cannotConnect(Throwable cause) {
        String reason = reason(cause);
        return reason.isEmpty()
                ? "custos: cannot connect to the database"
                : "custos: cannot connect to the database: " + reason;
    }

    /** A short reason for the connection attempt's failure, empty when none can be told safely. */
    static String reason(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return "it did not answer in time";
        }
        if (cause instanceof NoRouteToHostException) {
            return "no route to its host";
        }
        if (cause instanceof ConnectException) {
            return "connection refused";
        }
        if (cause instanceof UnknownHostException) {
            return "its host name cannot be resolved";
        }
        return "";
    }
}
