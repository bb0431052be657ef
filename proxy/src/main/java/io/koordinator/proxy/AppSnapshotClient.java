package io.koordinator.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultBHttpClientConnection;
import org.apache.hc.core5.http.io.entity.FileEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;

/**
 * The app's snapshot endpoint ({@code GET} and {@code PUT <snapshot-path>}), each exchange on a
 * connection of its own, blocking, on the calling thread, the body streamed from or to a file.
 * {@code GET} is opened while delivery is paused, and its body is read on the thread that holds
 * the pause (or, for an app that fixed its state before its headers, {@link Answer#fixed()}, on
 * the same thread after it), with no hand-off to another thread per piece of it (the JDK's HTTP
 * client hands each piece to its own threads); docs/benchmarks.md has the pauses measured with
 * both.
 *
 * <p>Threading: none of its own; any thread, one exchange per call.
 */
final class AppSnapshotClient {
    private final InetSocketAddress app;
    private final String path;
    private final String host;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;

    /**
     * @param readTimeout longest wait for the app's next bytes (the app may take long to start its
     *     answer, but not to continue it)
     */
    AppSnapshotClient(String host, int port, String path, Duration connectTimeout, Duration readTimeout) {
        this.app = new InetSocketAddress(host, port);
        this.path = path;
        this.host = host + ":" + port;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
    }

    /** {@code GET <path>} at {@code position} into {@code file}; an answer other than 200 is an {@link IOException}. */
    void get(long position, Path file) throws IOException {
        try (Answer answer = open(position)) {
            answer.bodyTo(file);
        }
    }

    /**
     * {@code GET <path>} at {@code position}, up to the answer's headers: its body is still to be
     * read, with {@link Answer#bodyTo}. An answer other than 200 is an {@link IOException}.
     */
    Answer open(long position) throws IOException {
        ClassicHttpRequest get = request("GET", position);
        Socket socket = connect();
        try {
            ClassicHttpResponse response = send(socket, get);
            if (response.getCode() != 200) {
                throw new IOException("the app answered " + response.getCode() + " to GET " + path);
            }
            Header stated = response.getFirstHeader(HeaderRules.SNAPSHOT_POSITION);
            boolean fixed = stated != null && stated.getValue().trim().equals(Long.toString(position));
            return new Answer(socket, response, fixed);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** The app's answer to a {@code GET} of its snapshot, its headers read, its body not yet. */
    static final class Answer implements AutoCloseable {
        private final Socket socket;
        private final ClassicHttpResponse response;
        private final boolean fixed;

        private Answer(Socket socket, ClassicHttpResponse response, boolean fixed) {
            this.socket = socket;
            this.response = response;
            this.fixed = fixed;
        }

        /**
         * Whether the app stated, with {@link HeaderRules#SNAPSHOT_POSITION} equal to the asked
         * position, that the body is its state as of the asked position, fixed before the headers:
         * then delivery need not wait for the body.
         */
        boolean fixed() {
            return fixed;
        }

        /** Streams the body to {@code file}. */
        void bodyTo(Path file) throws IOException {
            try (InputStream in = content(response);
                    OutputStream out = Files.newOutputStream(file)) {
                in.transferTo(out);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** {@code PUT <path>} of {@code file} at {@code position}; an answer other than 2xx is an {@link IOException}. */
    void put(long position, Path file) throws IOException {
        ClassicHttpRequest put = request("PUT", position);
        put.addHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(Files.size(file)));
        put.setEntity(new FileEntity(file.toFile(), ContentType.APPLICATION_OCTET_STREAM));
        exchange(put, response -> {
            if (response.getCode() / 100 != 2) {
                byte[] body;
                try (InputStream in = content(response)) {
                    body = in.readNBytes(4096);
                }
                throw new IOException("the app answered " + response.getCode() + " to PUT " + path + ": "
                        + new String(body, StandardCharsets.UTF_8));
            }
        });
    }

    private ClassicHttpRequest request(String method, long position) {
        ClassicHttpRequest r = new BasicClassicHttpRequest(method, path);
        r.addHeader(HttpHeaders.HOST, host);
        r.addHeader(HttpHeaders.CONNECTION, "close");
        r.addHeader(HeaderRules.POSITION, Long.toString(position));
        return r;
    }

    private interface Reading {
        void read(ClassicHttpResponse response) throws IOException;
    }

    private void exchange(ClassicHttpRequest request, Reading reading) throws IOException {
        try (Socket socket = connect()) {
            reading.read(send(socket, request));
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(app, connectTimeoutMillis);
            socket.setSoTimeout(readTimeoutMillis);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends {@code request} (and its entity) and reads the final answer's headers; its body streams from the socket. */
    private ClassicHttpResponse send(Socket socket, ClassicHttpRequest request) throws IOException {
        try {
            DefaultBHttpClientConnection c = new DefaultBHttpClientConnection(Http1Config.DEFAULT);
            c.bind(socket);
            c.sendRequestHeader(request);
            if (request.getEntity() != null) {
                c.sendRequestEntity(request);
            }
            c.flush();
            ClassicHttpResponse response = c.receiveResponseHeader();
            while (response.getCode() < 200) {
                response = c.receiveResponseHeader(); // 1xx: informational, the answer follows
            }
            c.receiveResponseEntity(response);
            return response;
        } catch (HttpException e) {
            throw new IOException("bad answer from the app to " + request.getMethod() + " " + path + ": " + e, e);
        }
    }

    private static InputStream content(ClassicHttpResponse response) throws IOException {
        HttpEntity entity = response.getEntity();
        return entity == null ? InputStream.nullInputStream() : entity.getContent();
    }
}
