package io.custos.proxy.mysql;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A bare MySQL protocol client for the tests that the JDBC drivers cannot express: it sends no session setup of its
 * own, can pipeline commands, and shows sequence ids. It logs in with mysql_native_password only and asks for
 * DEPRECATE_EOF.
 */
final class MySqlTestClient implements AutoCloseable {
    static final int CAPABILITIES = MySqlCodec.CLIENT_PROTOCOL_41
            | MySqlCodec.CLIENT_SECURE_CONNECTION
            | MySqlCodec.CLIENT_PLUGIN_AUTH
            | MySqlCodec.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
            | MySqlCodec.CLIENT_CONNECT_WITH_DB
            | MySqlCodec.CLIENT_TRANSACTIONS
            | MySqlCodec.CLIENT_MULTI_RESULTS
            | MySqlCodec.CLIENT_DEPRECATE_EOF;

    /** One packet as received. */
    record Packet(int sequenceId, byte[] payload) {
        int header() {
            return payload.length == 0 ? -1 : payload[0] & 0xFF;
        }

        int errorCode() {
            return (payload[1] & 0xFF) | (payload[2] & 0xFF) << 8;
        }

        String sqlState() {
            return new String(payload, 4, 5, StandardCharsets.US_ASCII);
        }

        String message() {
            return new String(payload, 9, payload.length - 9, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final long connectionId;

    private MySqlTestClient(Socket socket, long connectionId) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.connectionId = connectionId;
    }

    /** Connects and logs in; returns the packet that answered the login (OK or ERR) through {@code answer}. */
    static MySqlTestClient login(InetSocketAddress address, String user, String password, String database)
            throws IOException {
        return login(address, user, password, database, CAPABILITIES);
    }

    /** Connects and logs in asking for {@code capabilities}. */
    static MySqlTestClient login(
            InetSocketAddress address, String user, String password, String database, int capabilities)
            throws IOException {
        Socket socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(20_000);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        Packet handshake = read(in);
        ByteBuffer body = ByteBuffer.wrap(handshake.payload()).order(ByteOrder.LITTLE_ENDIAN);
        body.get();
        while (body.get() != 0) {
            // server version
        }
        long connectionId = body.getInt() & 0xFFFFFFFFL;
        byte[] scramble = new byte[20];
        body.get(scramble, 0, 8);
        body.position(body.position() + 1 + 2 + 1 + 2 + 2 + 1 + 10);
        body.get(scramble, 8, 12);
        MySqlTestClient client = new MySqlTestClient(socket, connectionId);
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        ByteBuffer fixed = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        fixed.putInt(capabilities).putInt(1 << 24).put((byte) 45);
        response.write(fixed.array());
        response.write(cString(user));
        byte[] auth = MySqlAuth.nativeResponse(password, scramble);
        response.write(auth.length);
        response.write(auth);
        response.write(cString(database));
        response.write(cString(MySqlCodec.NATIVE_PASSWORD));
        client.write(1, response.toByteArray());
        Packet answer = client.read();
        if (answer.header() != MySqlCodec.OK) {
            client.close();
            throw new IOException("login failed: " + answer.errorCode() + " " + answer.message());
        }
        return client;
    }

    /** Sends an SSL request (a 32-byte response with CLIENT_SSL) and returns the gateway's answer. */
    static Packet sslRequest(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(20_000);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            read(in);
            ByteBuffer request = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
            request.putInt(CAPABILITIES | MySqlCodec.CLIENT_SSL).putInt(1 << 24).put((byte) 45);
            OutputStream out = socket.getOutputStream();
            out.write(frame(1, request.array()));
            out.flush();
            return read(in);
        }
    }

    long connectionId() {
        return connectionId;
    }

    static byte[] command(int command, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[bytes.length + 1];
        payload[0] = (byte) command;
        System.arraycopy(bytes, 0, payload, 1, bytes.length);
        return payload;
    }

    /** COM_STMT_EXECUTE of {@code statementId} with no parameters. */
    static byte[] execute(long statementId) {
        ByteBuffer payload = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        payload.put((byte) MySqlCodec.COM_STMT_EXECUTE)
                .putInt((int) statementId)
                .put((byte) 0)
                .putInt(1);
        return payload.array();
    }

    /** Sends several commands in one write, as a pipelining client does. */
    void pipeline(byte[]... payloads) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (byte[] payload : payloads) {
            bytes.write(frame(0, payload));
        }
        out.write(bytes.toByteArray());
        out.flush();
    }

    /** Sends a command and reads its whole response (one OK or ERR, or one result set). */
    List<Packet> run(byte[] payload) throws IOException {
        write(0, payload);
        return readResponse();
    }

    /** Reads one command's response: OK, ERR, or a result set up to its closing packet. */
    List<Packet> readResponse() throws IOException {
        List<Packet> packets = new ArrayList<>();
        Packet first = read();
        packets.add(first);
        if (first.header() == MySqlCodec.OK || first.header() == MySqlCodec.ERR) {
            return packets;
        }
        int columns = first.payload()[0] & 0xFF;
        for (int i = 0; i < columns; i++) {
            packets.add(read());
        }
        while (true) {
            Packet packet = read();
            packets.add(packet);
            if (packet.header() == MySqlCodec.EOF || packet.header() == MySqlCodec.ERR) {
                return packets;
            }
        }
    }

    Packet read() throws IOException {
        return read(in);
    }

    /** Sends one packet with the given sequence id, as a client does for the parts of a LOCAL INFILE. */
    void write(int sequenceId, byte[] payload) throws IOException {
        out.write(frame(sequenceId, payload));
        out.flush();
    }

    private static byte[] frame(int sequenceId, byte[] payload) {
        byte[] frame = Arrays.copyOf(
                new byte[] {
                    (byte) payload.length,
                    (byte) (payload.length >> 8),
                    (byte) (payload.length >> 16),
                    (byte) sequenceId
                },
                4 + payload.length);
        System.arraycopy(payload, 0, frame, 4, payload.length);
        return frame;
    }

    private static Packet read(DataInputStream in) throws IOException {
        byte[] header = new byte[4];
        in.readFully(header);
        int length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Packet(header[3] & 0xFF, payload);
    }

    private static byte[] cString(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(bytes, bytes.length + 1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
