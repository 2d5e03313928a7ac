package io.custos.rewrite.analysis;

/** The origin of an output could not be established; the query is then unanalysable and the gate fails closed. */
final class LineageException extends RuntimeException {
    LineageException(String message) {
        super(message, null, false, false);
    }
}
