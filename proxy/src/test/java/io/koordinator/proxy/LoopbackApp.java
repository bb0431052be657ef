package io.koordinator.proxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted app on a loopback port, for tests that need an app's exact bytes and timing: each
 * accepted connection is served by the test's {@link Connection} on a thread of its own, and closed
 * when it returns.
 */
final class LoopbackApp implements AutoCloseable {
    /** Serves one accepted connection; an exception ends it quietly (the proxy went away). */
    interface Connection {
        void serve(Socket s) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    LoopbackApp(String name, Connection connection) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> accept(name, connection), name);
        t.setDaemon(true);
        t.start();
    }

    private void accept(String name, Connection connection) {
        try {
            while (true) {
                Socket s = server.accept();
                accepted.add(s);
                connections.incrementAndGet();
                Thread t = new Thread(
                        () -> {
                            try (s) {
                                connection.serve(s);
                            } catch (IOException | InterruptedException e) {
                                // the proxy went away, or the test closed the app
                            }
                        },
                        name + "-conn");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            // closed
        }
    }

    /**
     * The next request's line, with its headers read and its body (by {@code Content-Length})
     * skipped; null at the end of the stream.
     */
    static String readRequest(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (line == null) {
            return null;
        }
        int length = 0;
        for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
            if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length =
                        Integer.parseInt(h.substring("content-length:".length()).trim());
            }
        }
        in.skip(length);
        return line;
    }

    int port() {
        return server.getLocalPort();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    /** Closes every accepted connection, as an app that drops idle keep-alive connections. */
    void dropConnections() throws IOException {
        for (Socket s : accepted) {
            s.close();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropConnections();
    }
}
