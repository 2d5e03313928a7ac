package io.custos.cli.support;

import io.custos.cli.demo.DemoCertificates;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A TCP relay in front of a PostgreSQL server that can turn rogue: until {@link #turnRogue()} it passes every
 * connection through to the server (so a gateway can read its catalog at start); afterwards it answers an SSLRequest
 * itself with 'S' and a TLS handshake under {@code rogue}'s certificate, as a man in the middle would. Close it when
 * done.
 */
public final class RoguePostgresRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final SSLContext rogueTls;
    private volatile boolean rogue;

    public RoguePostgresRelay(String targetHost, int targetPort, DemoCertificates.Issued rogueCertificate)
            throws IOException, GeneralSecurityException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.rogueTls = tls(rogueCertificate);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "rogue-relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    public void turnRogue() {
        rogue = true;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread handler = new Thread(() -> handle(client), "rogue-relay-connection");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            if (rogue) {
                impersonate(client);
                return;
            }
            try (Socket server = new Socket(targetHost, targetPort)) {
                Thread up = pipe(client.getInputStream(), server.getOutputStream());
                pipe(server.getInputStream(), client.getOutputStream()).join();
                up.join();
            }
        } catch (IOException e) {
            // The peer went away; so does the connection.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SSLRequest (Int32 8, Int32 80877103), 'S', then a TLS handshake the gateway should refuse. */
    private void impersonate(Socket client) throws IOException {
        DataInputStream in = new DataInputStream(client.getInputStream());
        in.readInt();
        in.readInt();
        client.getOutputStream().write('S');
        client.getOutputStream().flush();
        try (SSLSocket tls = (SSLSocket) rogueTls.getSocketFactory()
                .createSocket(client, client.getInetAddress().getHostAddress(), client.getPort(), false)) {
            tls.setUseClientMode(false);
            tls.startHandshake();
            tls.getInputStream().read();
        } catch (IOException expected) {
            // The gateway aborts the handshake.
        }
    }

    private static Thread pipe(InputStream from, OutputStream to) {
        Thread thread = new Thread(
                () -> {
                    try {
                        from.transferTo(to);
                        to.close();
                    } catch (IOException e) {
                        // One side closed.
                    }
                },
                "rogue-relay-pipe");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static SSLContext tls(DemoCertificates.Issued certificate) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(
                "rogue", certificate.privateKey(), new char[0], new Certificate[] {certificate.certificate()});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
