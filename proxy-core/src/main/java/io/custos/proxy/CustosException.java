package io.custos.proxy;

import static java.util.Objects.requireNonNull;

/** An error the gateway reports to a client in the client's own protocol. The message is safe to show the client. */
public final class CustosException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public CustosException(ErrorCode code, String message) {
        super(message);
        this.code = requireNonNull(code, "code is null");
    }

    public CustosException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = requireNonNull(code, "code is null");
    }

    public ErrorCode code() {
        return code;
    }
}
