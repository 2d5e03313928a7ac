package io.custos.cli.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A MySQL protocol client on a plain socket, for tests that send what no driver would: it logs in with
 * mysql_native_password, writes any bytes it is given, and reads the server's packets one by one, telling a stream that
 * ends between packets from one that ends inside a packet.
 */
public final class RawMySqlClient implements AutoCloseable {
    private static final int CAPABILITIES = 0x1 // CLIENT_LONG_PASSWORD
            | 0x8 // CLIENT_CONNECT_WITH_DB
            | 0x200 // CLIENT_PROTOCOL_41
            | 0x2000 // CLIENT_TRANSACTIONS
            | 0x8000 // CLIENT_SECURE_CONNECTION
            | 0x10000 // CLIENT_MULTI_STATEMENTS
            | 0x20000 // CLIENT_MULTI_RESULTS
            | 0x80000; // CLIENT_PLUGIN_AUTH

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    /** One wire packet: its sequence id and payload. */
    public record Packet(int sequenceId, byte[] payload) {
        public boolean isError() {
            return payload.length > 0 && (payload[0] & 0xFF) == 0xFF;
        }

        public int errorCode() {
            return (payload[1] & 0xFF) | (payload[2] & 0xFF) << 8;
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** The stream ended inside a packet: the server passed on part of one. */
    public static final class CutPacket extends IOException {
        private static final long serialVersionUID = 1L;

        CutPacket(String message) {
            super(message);
        }
    }

    private RawMySqlClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawMySqlClient connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        return new RawMySqlClient(socket);
    }

    /** Connects and logs in with mysql_native_password; returns after the server's OK. */
    public static RawMySqlClient login(int port, String user, String password, String database) throws IOException {
        RawMySqlClient client = connect(port);
        try {
            byte[] scramble = scramble(client.readHandshake());
            client.send(packet(1, handshakeResponse(user, nativeResponse(password, scramble), database)));
            Packet answer = client.read(10_000);
            if (answer == null || answer.payload().length == 0 || answer.payload()[0] != 0) {
                throw new IOException("login failed: " + (answer == null ? "end of stream" : answer.text()));
            }
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Reads the server's HandshakeV10. */
    public Packet readHandshake() throws IOException {
        Packet handshake = read(10_000);
        if (handshake == null || handshake.payload()[0] != 10) {
            throw new IOException("no handshake: " + (handshake == null ? "end of stream" : handshake.text()));
        }
        return handshake;
    }

    /** The 20-byte scramble of a HandshakeV10: 8 bytes after the connection id, 12 after the reserved bytes. */
    public static byte[] scramble(Packet handshake) {
        byte[] payload = handshake.payload();
        int offset = 1;
        while (payload[offset] != 0) {
            offset++;
        }
        offset += 1 + 4;
        byte[] scramble = new byte[20];
        System.arraycopy(payload, offset, scramble, 0, 8);
        offset += 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10;
        System.arraycopy(payload, offset, scramble, 8, 12);
        return scramble;
    }

    /**
     * HandshakeResponse41: {@code int<4> capabilities, int<4> max packet size, int<1> collation, string[23] 0,
     * string<NUL> user, int<1> length and auth response, string<NUL> database, string<NUL> plugin}.
     */
    public static byte[] handshakeResponse(String user, byte[] authResponse, String database) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.writeBytes(littleEndian(CAPABILITIES, 4));
        payload.writeBytes(littleEndian(1 << 24, 4));
        payload.write(45);
        payload.writeBytes(new byte[23]);
        payload.writeBytes(nul(user));
        payload.write(authResponse.length);
        payload.writeBytes(authResponse);
        payload.writeBytes(nul(database));
        payload.writeBytes(nul("mysql_native_password"));
        return payload.toByteArray();
    }

    public static byte[] nativeResponse(String password, byte[] scramble) {
        byte[] stage1 = sha1(password.getBytes(StandardCharsets.UTF_8));
        byte[] stage2 = sha1(stage1);
        byte[] joined = Arrays.copyOf(scramble, scramble.length + stage2.length);
        System.arraycopy(stage2, 0, joined, scramble.length, stage2.length);
        byte[] mask = sha1(joined);
        for (int i = 0; i < stage1.length; i++) {
            stage1[i] ^= mask[i];
        }
        return stage1;
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * The next packet, or {@code null} when the stream ends between packets. Throws {@link CutPacket} when it ends
     * inside one, {@link SocketTimeoutException} when nothing whole comes within {@code timeoutMillis}.
     */
    public Packet read(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        int first = in.read();
        if (first < 0) {
            return null;
        }
        byte[] header = new byte[3];
        readFully(header, "a packet header");
        int length = first | (header[0] & 0xFF) << 8 | (header[1] & 0xFF) << 16;
        byte[] payload = new byte[length];
        readFully(payload, "a packet of " + length + " bytes");
        return new Packet(header[2] & 0xFF, payload);
    }

    private void readFully(byte[] bytes, String what) throws IOException {
        try {
            in.readFully(bytes);
        } catch (EOFException e) {
            throw new CutPacket("the stream ended inside " + what);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    // ---- packet builders

    public static byte[] packet(int sequenceId, byte[] payload) {
        byte[] packet = new byte[4 + payload.length];
        packet[0] = (byte) payload.length;
        packet[1] = (byte) (payload.length >>> 8);
        packet[2] = (byte) (payload.length >>> 16);
        packet[3] = (byte) sequenceId;
        System.arraycopy(payload, 0, packet, 4, payload.length);
        return packet;
    }

    /** COM_QUERY as sequence id 0. */
    public static byte[] query(String sql) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[1 + text.length];
        payload[0] = 0x03;
        System.arraycopy(text, 0, payload, 1, text.length);
        return packet(0, payload);
    }

    private static byte[] nul(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(bytes, bytes.length + 1);
    }

    private static byte[] littleEndian(int value, int bytes) {
        byte[] result = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            result[i] = (byte) (value >>> (8 * i));
        }
        return result;
    }

    private static byte[] sha1(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
