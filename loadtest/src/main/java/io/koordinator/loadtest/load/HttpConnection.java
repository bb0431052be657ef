package io.koordinator.loadtest.load;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * One blocking HTTP/1.1 keep-alive connection: a request, then its response, then the next.
 * Lean on purpose (no selector thread, no pool) so that the load generator spends little CPU
 * next to the servers it measures. Reconnects on the next request after any failure or {@code
 * Connection: close}. Understands {@code Content-Length} and chunked bodies.
 *
 * <p>Not thread-safe: one client thread owns it.
 */
public final class HttpConnection implements AutoCloseable {
    private static final int MAX_HEADER_LINE = 16 * 1024;
    private static final int MAX_BODY = 16 * 1024 * 1024;

    private final InetSocketAddress target;
    private final int timeoutMillis;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** A response: status and body (UTF-8). */
    public record Response(int status, String body) {}

    public HttpConnection(InetSocketAddress target, Duration timeout) {
        this.target = target;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    /**
     * Sends one request and reads its response.
     *
     * @throws java.net.SocketTimeoutException no response within the timeout (connection dropped)
     * @throws IOException connection failure (connection dropped)
     */
    public Response send(String method, String path, String body) throws IOException {
        return send(method, path, body, Map.of());
    }

    /**
     * Sends one request with extra {@code headers} and reads its response.
     *
     * @throws java.net.ConnectException the connection could not be opened: nothing was sent
     * @throws java.net.SocketTimeoutException no response within the timeout (connection dropped)
     * @throws IOException connection failure (connection dropped)
     */
    public Response send(String method, String path, String body, Map<String, String> headers) throws IOException {
        try {
            if (socket == null) {
                connect();
            }
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(128)
                    .append(method)
                    .append(' ')
                    .append(path)
                    .append(" HTTP/1.1\r\nHost: ")
                    .append(target.getHostString())
                    .append(':')
                    .append(target.getPort())
                    .append("\r\n");
            headers.forEach((name, value) ->
                    head.append(name).append(": ").append(value).append("\r\n"));
            if (body != null || method.equals("PUT") || method.equals("POST")) {
                head.append("Content-Length: ").append(payload.length).append("\r\n");
            }
            head.append("\r\n");
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            return readResponse(method.equals("HEAD"));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(target, timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            out = new BufferedOutputStream(s.getOutputStream(), 16 * 1024);
            socket = s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private Response readResponse(boolean head) throws IOException {
        String statusLine = readLine();
        // "HTTP/1.1 200 OK"
        int sp = statusLine.indexOf(' ');
        if (!statusLine.startsWith("HTTP/1.") || sp < 0 || statusLine.length() < sp + 4) {
            throw new IOException("malformed status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(sp + 1, sp + 4));
        long contentLength = -1;
        boolean chunked = false;
        boolean close = statusLine.startsWith("HTTP/1.0");
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header: " + line);
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                contentLength = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.toLowerCase().contains("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                close = value.equalsIgnoreCase("close");
            }
        }
        byte[] body;
        if (head || status == 204 || status == 304 || status / 100 == 1) {
            body = new byte[0];
        } else if (chunked) {
            body = readChunked();
        } else if (contentLength >= 0) {
            if (contentLength > MAX_BODY) {
                throw new IOException("response body too large: " + contentLength);
            }
            body = in.readNBytes((int) contentLength);
            if (body.length != contentLength) {
                throw new EOFException("connection closed inside a response body");
            }
        } else {
            body = in.readAllBytes();
            close = true;
        }
        if (close) {
            close();
        }
        return new Response(status, new String(body, StandardCharsets.UTF_8));
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine();
            int semi = sizeLine.indexOf(';');
            int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            if (size == 0) {
                while (!readLine().isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            if (body.size() + size > MAX_BODY) {
                throw new IOException("response body too large");
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length != size) {
                throw new EOFException("connection closed inside a chunk");
            }
            body.write(chunk);
            readLine();
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed by " + target);
            }
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_HEADER_LINE) {
                throw new IOException("header line too long");
            }
            sb.append((char) b);
        }
    }

    /** Drops the connection; the next request reconnects. Never throws. */
    @Override
    public void close() {
        Socket s = socket;
        socket = null;
        in = null;
        out = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
