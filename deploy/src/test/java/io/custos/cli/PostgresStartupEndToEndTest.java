package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Startup packets the gateway cannot serve are answered at once and the connection closed, as PostgreSQL does, instead
 * of being held until the login timeout: a length below the eight bytes of length and code, or a protocol other than
 * 3.x. A client of protocol 2.0 gets the error in its own protocol's form.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PostgresStartupEndToEndTest {
    /** Well under the 60 s login timeout the gateway would otherwise hold the connection for. */
    private static final int ANSWER_MILLIS = 5_000;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "length 0, 00000000, 08P01",
        "length 4, 00000004, 08P01",
        "length 7, 00000007000300, 08P01",
        "length 20000, 00004e2000030000, 08P01",
        "protocol 4.0, 0000000800040000, 0A000",
        "protocol 3.9 without parameters, 0000000800030009, 28000",
    })
    void startupPacket_thatCannotBeServed_isAnsweredWithAFatalErrorAndClosed(String name, String hex, String sqlState)
            throws IOException {
        byte[] answer = exchange(HexFormat.of().parseHex(hex));

        ByteBuffer message = ByteBuffer.wrap(answer);
        assertThat(message.get()).as("message type").isEqualTo((byte) 'E');
        int length = message.getInt();
        assertThat(answer).hasSize(1 + length);
        String fields = new String(answer, 5, length - 4, StandardCharsets.UTF_8);
        assertThat(fields).contains("SFATAL\0").contains("C" + sqlState + "\0");
        if (sqlState.equals("0A000")) {
            assertThat(fields).contains("Munsupported frontend protocol 4.0: server supports 3.0 to 3.0\0");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "protocol 2.0, 0000000800020000, 2.0",
        "protocol 1.0 with a user, 0000001300010000757365720073746166660000, 1.0",
    })
    void startupPacket_ofAnOldProtocol_isAnsweredInThatProtocolsForm(String name, String hex, String version)
            throws IOException {
        byte[] answer = exchange(HexFormat.of().parseHex(hex));

        assertThat(new String(answer, StandardCharsets.UTF_8))
                .isEqualTo("EFATAL:  unsupported frontend protocol " + version + ": server supports 3.0 to 3.0\n\0");
    }

    /** Sends {@code packet}, returns everything the gateway sends until it closes; fails if it does not close. */
    private static byte[] exchange(byte[] packet) throws IOException {
        GatewayFixture fixture = GatewayFixture.get();
        try (Socket socket =
                new Socket("127.0.0.1", fixture.gateway.postgresAddress().getPort())) {
            socket.setSoTimeout(ANSWER_MILLIS);
            socket.getOutputStream().write(packet);
            socket.getOutputStream().flush();
            long started = System.nanoTime();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                answer.write(buffer, 0, read);
            }
            assertThat(System.nanoTime() - started).isLessThan(TimeUnit.MILLISECONDS.toNanos(ANSWER_MILLIS));
            return answer.toByteArray();
        }
    }
}
