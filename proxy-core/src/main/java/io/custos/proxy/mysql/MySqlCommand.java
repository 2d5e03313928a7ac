package io.custos.proxy.mysql;

import io.custos.rewrite.StatementVerdict;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.function.Consumer;

/**
 * One command whose response has not been passed to the client yet. The server answers commands strictly in order, so
 * a queue of these tells which command each response packet belongs to. The command reads only the framing of its
 * response, packet by packet, never the rows' contents: OK (affected rows, status flags with MORE_RESULTS_EXISTS), ERR
 * (error code, SQLSTATE), result sets (column count, column definitions, the EOF after them unless DEPRECATE_EOF is in
 * force, rows, and the closing EOF or OK with its MORE_RESULTS_EXISTS flag), COM_STMT_PREPARE_OK and what follows it.
 *
 * <p>A {@link Kind#REPLY} is no backend command at all: the gateway's own answer (a refusal, the outcome of a KILL),
 * queued behind the responses still due so that the client gets every answer in the order it asked.
 *
 * @see <a href="https://mariadb.com/kb/en/result-set-packets/">Result set packets</a>
 */
final class MySqlCommand {
    enum Kind {
        /** COM_QUERY: OK, ERR or result sets, several with MORE_RESULTS_EXISTS. */
        QUERY,
        /** COM_STMT_EXECUTE: as QUERY, with binary rows; a cursor ends the result after the column definitions. */
        EXECUTE,
        /** COM_STMT_FETCH: rows and a closing EOF or OK, or ERR. */
        FETCH,
        /** COM_STMT_PREPARE: ERR, or COM_STMT_PREPARE_OK followed by parameter and column definitions. */
        PREPARE,
        /** One packet: OK, ERR, EOF, or COM_STATISTICS's text. */
        SINGLE,
        /** COM_FIELD_LIST: column definitions up to EOF, or ERR. */
        FIELD_LIST,
        /** A query of the gateway's own: its response is read by the gateway and never reaches the client. */
        INTERNAL,
        /** The gateway's own answer, sent when every response before it has been. */
        REPLY
    }

    /** What one response packet meant. */
    enum Step {
        /** Nothing to report: a column definition, a row, more of a response. */
        CONTINUE,
        /** An OK packet ended a statement (or one of several). */
        OK,
        /** A result set ended. */
        RESULT_END,
        /** An ERR packet: the command is over. */
        ERROR,
        /** A COM_STMT_PREPARE_OK: {@link #statementId()} is known. */
        PREPARED,
        /**
         * A LOCAL INFILE request ({@code 0xFB, file name}): the server waits for the file's contents, then answers
         * with OK or ERR, read as the statement's first response packet again.
         */
        LOCAL_INFILE
    }

    private enum Phase {
        FIRST,
        COLUMNS,
        COLUMNS_EOF,
        ROWS,
        DEFINITIONS
    }

    final Kind kind;
    final List<StatementVerdict> statements;
    /**
     * Added to the backend's sequence ids to give the client's: the two may differ after a rewrite changed the split,
     * or after the gateway answered a file request itself.
     */
    int sequenceOffset;

    private final boolean deprecateEof;
    private Phase phase;
    private boolean finished;
    private long columnsLeft;
    private long definitionsLeft;
    private long statementId;
    private int preparedParameters;

    /** For EXECUTE, how many parameters the prepared statement binds; -1 otherwise. */
    int parameters = -1;

    /** Statement bookkeeping for the audit trail. */
    int next;

    long rows;
    /** Rows returned or affected by the current statement's results so far. */
    long rowsSoFar;

    long affectedRows;
    int status;
    long startNanos = System.nanoTime();
    int nextSequenceId;

    /** For INTERNAL: the first row's payload. */
    byte[] firstRow;

    /** For REPLY: the payload to send, {@code null} while still being worked out. */
    ByteBuf reply;

    /** For REPLY: called once the reply has been written. */
    Runnable afterReply;

    /** For INTERNAL: what to do with the answer, given the first row or {@code null} on error. */
    Consumer<byte[]> onInternalResult;

    private MySqlCommand(
            Kind kind, List<StatementVerdict> statements, int clientSequenceId, int backendSequenceId, boolean eof) {
        this.kind = kind;
        this.statements = List.copyOf(statements);
        this.sequenceOffset = clientSequenceId - backendSequenceId;
        this.nextSequenceId = clientSequenceId + 1;
        this.deprecateEof = eof;
        this.phase = kind == Kind.FETCH ? Phase.ROWS : Phase.FIRST;
    }

    /**
     * A command sent to the backend. {@code clientSequenceId} is the id of the client's last packet of the command,
     * {@code backendSequenceId} that of the last packet the gateway sent the backend for it.
     */
    static MySqlCommand backend(
            Kind kind,
            List<StatementVerdict> statements,
            int clientSequenceId,
            int backendSequenceId,
            boolean deprecateEof) {
        return new MySqlCommand(kind, statements, clientSequenceId, backendSequenceId, deprecateEof);
    }

    /** The gateway's own answer to a command whose last packet had {@code clientSequenceId}. */
    static MySqlCommand reply(int clientSequenceId, ByteBuf reply) {
        MySqlCommand command = new MySqlCommand(Kind.REPLY, List.of(), clientSequenceId, 0, true);
        command.reply = reply;
        return command;
    }

    boolean finished() {
        return finished;
    }

    /** The parameters of the statement a COM_STMT_PREPARE_OK announced. */
    int preparedParameters() {
        return preparedParameters;
    }

    long statementId() {
        return statementId;
    }

    /** The statement the next completion belongs to, or {@code null} when none is left. */
    StatementVerdict current() {
        return next < statements.size() ? statements.get(next) : null;
    }

    long elapsedMicros() {
        return (System.nanoTime() - startNanos) / 1_000;
    }

    /** Reads the first part of one response packet (later parts of a split packet are not passed here). */
    Step read(ByteBuf payload) {
        int header = payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
        return switch (kind) {
            case SINGLE -> {
                finished = true;
                yield header == MySqlCodec.ERR ? Step.ERROR : Step.OK;
            }
            case FIELD_LIST -> readFieldList(header, payload);
            case PREPARE -> readPrepare(header, payload);
            case QUERY, EXECUTE, FETCH, INTERNAL -> readResult(header, payload);
            case REPLY -> throw new IllegalStateException("a gateway reply has no backend response");
        };
    }

    private Step readFieldList(int header, ByteBuf payload) {
        if (header == MySqlCodec.ERR) {
            finished = true;
            return Step.ERROR;
        }
        if (isTerminator(header, payload)) {
            finished = true;
            return Step.OK;
        }
        return Step.CONTINUE;
    }

    /**
     * COM_STMT_PREPARE_OK: {@code 0x00, int<4> statement id, int<2> columns, int<2> parameters, int<1> 0, int<2>
     * warnings}, then the parameter definitions and the column definitions, each list closed by an EOF packet unless
     * DEPRECATE_EOF is in force.
     */
    private Step readPrepare(int header, ByteBuf payload) {
        if (phase == Phase.DEFINITIONS) {
            definitionsLeft--;
            finished = definitionsLeft <= 0;
            return Step.CONTINUE;
        }
        if (header == MySqlCodec.ERR) {
            finished = true;
            return Step.ERROR;
        }
        int start = payload.readerIndex();
        statementId = payload.getUnsignedIntLE(start + 1);
        int columns = payload.getUnsignedShortLE(start + 5);
        int parameters = payload.getUnsignedShortLE(start + 7);
        preparedParameters = parameters;
        definitionsLeft = columns + parameters;
        if (!deprecateEof) {
            definitionsLeft += (columns > 0 ? 1 : 0) + (parameters > 0 ? 1 : 0);
        }
        phase = Phase.DEFINITIONS;
        finished = definitionsLeft == 0;
        return Step.PREPARED;
    }

    private Step readResult(int header, ByteBuf payload) {
        switch (phase) {
            case FIRST -> {
                return readFirst(header, payload);
            }
            case COLUMNS -> {
                columnsLeft--;
                if (columnsLeft == 0) {
                    phase = deprecateEof ? Phase.ROWS : Phase.COLUMNS_EOF;
                }
                return Step.CONTINUE;
            }
            case COLUMNS_EOF -> {
                if (header == MySqlCodec.ERR) {
                    finished = true;
                    return Step.ERROR;
                }
                status = eofStatus(payload);
                if ((status & MySqlCodec.SERVER_STATUS_CURSOR_EXISTS) != 0) {
                    return endResult();
                }
                phase = Phase.ROWS;
                return Step.CONTINUE;
            }
            case ROWS -> {
                if (header == MySqlCodec.ERR) {
                    finished = true;
                    return Step.ERROR;
                }
                if (isTerminator(header, payload)) {
                    status = deprecateEof ? okStatus(payload) : eofStatus(payload);
                    return endResult();
                }
                if (kind == Kind.INTERNAL && firstRow == null) {
                    firstRow = new byte[payload.readableBytes()];
                    payload.getBytes(payload.readerIndex(), firstRow);
                }
                rows++;
                return Step.CONTINUE;
            }
            default -> throw new IllegalStateException("unexpected phase " + phase);
        }
    }

    private Step readFirst(int header, ByteBuf payload) {
        if (header == MySqlCodec.ERR) {
            finished = true;
            return Step.ERROR;
        }
        if (header == MySqlCodec.OK) {
            ByteBuf body = payload.duplicate().skipBytes(1);
            affectedRows = MySqlCodec.readLengthEncoded(body);
            MySqlCodec.readLengthEncoded(body);
            status = body.readUnsignedShortLE();
            finished = (status & MySqlCodec.SERVER_MORE_RESULTS_EXISTS) == 0;
            return Step.OK;
        }
        if (header == MySqlCodec.LOCAL_INFILE) {
            return Step.LOCAL_INFILE;
        }
        columnsLeft = MySqlCodec.readLengthEncoded(payload.duplicate());
        rows = 0;
        phase = columnsLeft == 0 ? Phase.ROWS : Phase.COLUMNS;
        return Step.CONTINUE;
    }

    private Step endResult() {
        finished = (status & MySqlCodec.SERVER_MORE_RESULTS_EXISTS) == 0;
        phase = Phase.FIRST;
        return Step.RESULT_END;
    }

    /** EOF (0xFE) or, with DEPRECATE_EOF, an OK packet with the 0xFE header; a row that long would be split. */
    private static boolean isTerminator(int header, ByteBuf payload) {
        return header == MySqlCodec.EOF && payload.readableBytes() < MySqlFrameDecoder.MAX_PART_BYTES;
    }

    /** EOF: {@code 0xFE, int<2> warnings, int<2> status}. */
    private static int eofStatus(ByteBuf payload) {
        return payload.readableBytes() >= 5 ? payload.getUnsignedShortLE(payload.readerIndex() + 3) : 0;
    }

    /** OK with the 0xFE header: {@code 0xFE, affected rows, last insert id, int<2> status, …}. */
    private static int okStatus(ByteBuf payload) {
        ByteBuf body = payload.duplicate().skipBytes(1);
        MySqlCodec.readLengthEncoded(body);
        MySqlCodec.readLengthEncoded(body);
        return body.readableBytes() >= 2 ? body.readUnsignedShortLE() : 0;
    }
}
