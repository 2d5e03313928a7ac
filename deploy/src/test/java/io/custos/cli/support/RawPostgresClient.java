package io.custos.cli.support;

import com.ongres.scram.client.ScramClient;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PostgreSQL protocol 3.0 client on a plain socket, for tests that send what no driver would: it logs in with
 * SCRAM-SHA-256, writes any bytes it is given, and reads the server's messages one by one, telling a stream that ends
 * between messages from one that ends inside a message.
 */
public final class RawPostgresClient implements AutoCloseable {
    /** The message types a protocol 3.0 server sends. */
    public static final String SERVER_TYPES = "RKSZTDCEINnts123AGHWdcVv";

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    /** One message from the server: its type and body. */
    public record Message(char type, byte[] body) {
        /** The fields of an ErrorResponse or NoticeResponse, by their one-letter codes. */
        public Map<Character, String> fields() {
            Map<Character, String> fields = new LinkedHashMap<>();
            int offset = 0;
            while (offset < body.length && body[offset] != 0) {
                char code = (char) body[offset++];
                int end = offset;
                while (end < body.length && body[end] != 0) {
                    end++;
                }
                fields.put(code, new String(body, offset, end - offset, StandardCharsets.UTF_8));
                offset = end + 1;
            }
            return fields;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The stream ended inside a message: the server passed on part of one. */
    public static final class CutMessage extends IOException {
        private static final long serialVersionUID = 1L;

        CutMessage(String message) {
            super(message);
        }
    }

    private RawPostgresClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawPostgresClient connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        return new RawPostgresClient(socket);
    }

    /** Connects and logs in; returns once the server is ready for a query. */
    public static RawPostgresClient login(int port, String user, String password, String database) throws IOException {
        RawPostgresClient client = connect(port);
        try {
            client.authenticate(user, password, database);
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private void authenticate(String user, String password, String database) throws IOException {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", database);
        send(startup(parameters));
        expectAuthentication(10);
        ScramClient scram = ScramClient.builder()
                .advertisedMechanisms(List.of("SCRAM-SHA-256"))
                .username(user)
                .password(password.toCharArray())
                .build();
        byte[] first = scram.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8);
        send(frame(
                'p',
                concat(
                        cString("SCRAM-SHA-256"),
                        ByteBuffer.allocate(4).putInt(first.length).array(),
                        first)));
        Message serverFirst = expectAuthentication(11);
        try {
            scram.serverFirstMessage(
                    new String(serverFirst.body(), 4, serverFirst.body().length - 4, StandardCharsets.UTF_8));
            send(frame('p', scram.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8)));
            Message serverFinal = expectAuthentication(12);
            scram.serverFinalMessage(
                    new String(serverFinal.body(), 4, serverFinal.body().length - 4, StandardCharsets.UTF_8));
        } catch (com.ongres.scram.common.exception.ScramException e) {
            throw new IOException("SCRAM failed: " + e.getMessage(), e);
        }
        expectAuthentication(0);
        for (Message message = read(10_000); message != null; message = read(10_000)) {
            if (message.type() == 'Z') {
                return;
            }
            if (message.type() == 'E') {
                throw new IOException("login failed: " + message.fields());
            }
        }
        throw new EOFException("closed during the login");
    }

    private Message expectAuthentication(int code) throws IOException {
        Message message = read(10_000);
        if (message == null
                || message.type() != 'R'
                || ByteBuffer.wrap(message.body()).getInt() != code) {
            throw new IOException("expected authentication request " + code + ", got "
                    + (message == null ? "end of stream" : message.type() + " " + message.fields()));
        }
        return message;
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * The next message, or {@code null} when the stream ends between messages. Throws {@link CutMessage} when it ends
     * inside one, {@link SocketTimeoutException} when nothing whole comes within {@code timeoutMillis}.
     */
    public Message read(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        int type = in.read();
        if (type < 0) {
            return null;
        }
        byte[] header = new byte[4];
        readFully(header, "the length of a '" + (char) type + "' message");
        int length = ByteBuffer.wrap(header).getInt();
        if (length < 4 || length > (1 << 30)) {
            throw new IOException("message '" + (char) type + "' with length " + length);
        }
        byte[] body = new byte[length - 4];
        readFully(body, "a '" + (char) type + "' message of " + length + " bytes");
        return new Message((char) type, body);
    }

    /**
     * One byte (the answer to an SSLRequest or GSSENCRequest, or a message's type), -1 at the end of the stream, -2
     * when none comes within {@code timeoutMillis}.
     */
    public int readByte(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            return -2;
        }
    }

    /**
     * The rest of a message whose type byte was read with {@link #readByte}: its body, or for protocol 2.0's
     * ErrorResponse ({@code 'E'} and text up to NUL, no length) the text.
     */
    public byte[] readRestOf(char type) throws IOException {
        socket.setSoTimeout(10_000);
        byte[] header = new byte[4];
        readFully(header, "the length of a '" + type + "' message");
        if (type == 'E' && new String(header, StandardCharsets.US_ASCII).equals("FATA")) {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            text.writeBytes(header);
            for (int b = in.read(); b != 0; b = in.read()) {
                if (b < 0) {
                    throw new CutMessage("the stream ended inside an old-protocol error");
                }
                text.write(b);
            }
            return text.toByteArray();
        }
        int length = ByteBuffer.wrap(header).getInt();
        if (length < 4 || length > (1 << 30)) {
            throw new IOException("message '" + type + "' with length " + length);
        }
        byte[] body = new byte[length - 4];
        readFully(body, "a '" + type + "' message of " + length + " bytes");
        return body;
    }

    private void readFully(byte[] bytes, String what) throws IOException {
        try {
            in.readFully(bytes);
        } catch (EOFException e) {
            throw new CutMessage("the stream ended inside " + what);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    // ---- message builders

    public static byte[] startup(Map<String, String> parameters) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(ByteBuffer.allocate(4).putInt(196608).array());
        parameters.forEach((name, value) -> {
            body.writeBytes(cString(name));
            body.writeBytes(cString(value));
        });
        body.write(0);
        byte[] bytes = body.toByteArray();
        return concat(ByteBuffer.allocate(4).putInt(4 + bytes.length).array(), bytes);
    }

    public static byte[] query(String sql) {
        return frame('Q', cString(sql));
    }

    public static byte[] frame(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length)
                .put((byte) type)
                .putInt(4 + body.length)
                .put(body)
                .array();
    }

    public static byte[] cString(String text) {
        return concat(text.getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
