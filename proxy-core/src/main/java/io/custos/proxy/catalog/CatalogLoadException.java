package io.custos.proxy.catalog;

/** The backend's catalog could not be read. The message names the backend; the cause says why. */
public final class CatalogLoadException extends RuntimeException {
    CatalogLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
