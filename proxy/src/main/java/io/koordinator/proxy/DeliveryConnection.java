package io.koordinator.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.function.Supplier;
import jdk.net.ExtendedSocketOptions;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultBHttpClientConnection;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * The delivery loop's one keep-alive connection to the app, used on the calling (follower) thread
 * with blocking I/O: a command costs a write and a read on that thread, and no hand-off to an event
 * loop and back (two thread wake-ups per command on every replica). HTTP/1.1 framing is Apache
 * HttpCore's blocking client connection; the response becomes a Netty {@link FullHttpResponse} as
 * {@link UpstreamClient}'s aggregator would build it (body in full, {@code Content-Length}, no
 * {@code Transfer-Encoding}).
 *
 * <p>Failures are the {@link UpstreamException} kinds of {@link UpstreamClient}, with the same
 * meaning: {@code CONNECT} (the app saw nothing), {@code VETOED} (a new connection reached an app
 * the veto refused; nothing written), {@code STALE} (the request could not be written to a reused
 * connection: the app had closed it before the request's last bytes reached it), {@code RESET},
 * {@code TIMEOUT} (no byte for the timeout; the connection is closed), {@code PROTOCOL}.
 *
 * <p>Only {@code STALE} (and {@code CONNECT}) may be sent again. Once the whole request is written,
 * a connection that ends without an answer is a {@code RESET}, in doubt, even on a reused
 * connection with no byte back: an app can read and apply a command and then close (a worker that
 * crashed behind a listener that lives on), and sending it again would apply it twice. The common
 * harmless case, an app closing a connection it kept idle, is found before writing: a
 * non-blocking read of the idle connection sees its end (or bytes no request asked for), and the
 * request goes on a new connection instead. The same rule as Go's HTTP transport, which retries a
 * request that is not idempotent only when nothing of it was written.
 *
 * <p>Threading: {@link #exchange} from one thread at a time (the follower); {@link #close} from
 * any thread, which makes a blocked exchange fail. The socket is a blocking {@link SocketChannel},
 * so interrupting the follower (closing it) ends a blocked exchange with {@link
 * InterruptedException}, as waiting for an event loop's answer did.
 */
final class DeliveryConnection implements AutoCloseable {
    private static final Http1Config HTTP1 = Http1Config.DEFAULT;
    /** How long after a response's headers its body may take before it counts as held back. */
    static final int HELD_BODY_MILLIS = 2;

    private static final Timeout HELD_BODY = Timeout.ofMilliseconds(HELD_BODY_MILLIS);

    private final InetSocketAddress address;
    private final int connectTimeoutMillis;
    private volatile DefaultBHttpClientConnection connection; // exchange thread writes; close reads
    private SocketChannel channel; // the connection's socket; exchange thread only
    private final ByteBuffer idleRead = ByteBuffer.allocate(1); // exchange thread only
    private final AppAcks acks;
    private boolean quickAck; // exchange thread only: the socket takes TCP_QUICKACK (Linux)
    private volatile boolean closed;

    DeliveryConnection(InetSocketAddress address, int connectTimeoutMillis) {
        this(address, connectTimeoutMillis, new AppAcks(address));
    }

    /** @param acks whether the app's answers are acknowledged at once, shared with the app's other connections */
    DeliveryConnection(InetSocketAddress address, int connectTimeoutMillis, AppAcks acks) {
        this.address = address;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.acks = acks;
    }

    /**
     * Sends {@code request} (whose reference this takes and releases) and returns the app's whole
     * response (the caller releases it). If a new connection must be opened, {@code
     * newConnectionVeto} is asked first, once connected and before anything is written.
     */
    FullHttpResponse exchange(FullHttpRequest request, long timeoutMillis, Supplier<String> newConnectionVeto)
            throws UpstreamException, InterruptedException {
        BasicClassicHttpRequest out;
        try {
            out = toHttpCore(request);
        } finally {
            ReferenceCountUtil.release(request);
        }
        DefaultBHttpClientConnection c = connection;
        boolean reused = c != null && c.isOpen();
        if (reused && endedWhileIdle()) {
            drop(c);
            reused = false;
        }
        if (!reused) {
            c = open(timeoutMillis, newConnectionVeto);
        }
        try {
            c.sendRequestHeader(out);
            c.sendRequestEntity(out);
            c.flush();
            if (acks.atOnce()) {
                ackAtOnce();
            }
        } catch (IOException | HttpException e) {
            drop(c);
            throwIfInterrupted(e);
            throw new UpstreamException(
                    reused ? UpstreamException.Kind.STALE : UpstreamException.Kind.RESET,
                    "cannot send to the app: " + e,
                    e);
        }
        try {
            ClassicHttpResponse response = c.receiveResponseHeader();
            while (response.getCode() < 200) {
                response = c.receiveResponseHeader(); // 1xx: informational, the answer follows
            }
            if (hasBody(request.method(), response.getCode())) {
                watchForHeldBody(c, response);
            }
            byte[] body = hasBody(request.method(), response.getCode()) ? readBody(c, response) : new byte[0];
            FullHttpResponse answer = toNetty(response, body, hasBody(request.method(), response.getCode()));
            if (!HttpUtil.isKeepAlive(answer)) {
                drop(c);
            }
            return answer;
        } catch (SocketTimeoutException e) {
            drop(c);
            throw new UpstreamException(
                    UpstreamException.Kind.TIMEOUT, "no response within " + timeoutMillis + " ms", e);
        } catch (IOException e) {
            drop(c);
            throwIfInterrupted(e);
            throw new UpstreamException(
                    UpstreamException.Kind.RESET, "the app closed the connection before responding: " + e, e);
        } catch (HttpException e) {
            drop(c);
            throw new UpstreamException(UpstreamException.Kind.PROTOCOL, "bad response from the app: " + e, e);
        }
    }

    /** The follower is being closed: not a failure of the app. */
    private static void throwIfInterrupted(Exception e) throws InterruptedException {
        if (e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted()) {
            InterruptedException interrupted = new InterruptedException("delivery interrupted");
            interrupted.initCause(e);
            throw interrupted;
        }
    }

    /**
     * Tells {@link AppAcks} when a response's body, which its headers announce, is not there within
     * {@link #HELD_BODY_MILLIS} of them (nothing buffered after the headers, nothing more to read),
     * and acknowledges at once, so this answer's held body comes now, not at the delayed ACK.
     */
    private void watchForHeldBody(DefaultBHttpClientConnection c, ClassicHttpResponse response) throws IOException {
        if (acks.atOnce() || !quickAck) {
            return;
        }
        Header length = response.getFirstHeader(HttpHeaders.CONTENT_LENGTH);
        boolean announced = response.containsHeader(HttpHeaders.TRANSFER_ENCODING)
                || (length != null && !length.getValue().trim().equals("0"));
        if (announced && !c.isDataAvailable(HELD_BODY)) {
            acks.bodyHeldBack();
            ackAtOnce();
        }
    }

    /**
     * Acknowledges the app's answer as it arrives: {@code TCP_QUICKACK}, for the reason given at
     * {@link AppAcks}. Best effort: a socket that refuses it is left as it is.
     */
    private void ackAtOnce() {
        if (quickAck) {
            try {
                channel.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
            } catch (IOException | UnsupportedOperationException e) {
                quickAck = false;
            }
        }
    }

    /**
     * Whether the app ended the idle connection (or wrote to it unasked): a read that does not
     * block finds the end of the stream, a reset, or a byte; nothing to read means it is usable.
     * Exchange thread only (package-private for the test that waits for an app's close to arrive).
     */
    boolean endedWhileIdle() {
        SocketChannel ch = channel;
        try {
            ch.configureBlocking(false);
            try {
                return ch.read(idleRead) != 0;
            } finally {
                idleRead.clear();
                ch.configureBlocking(true);
            }
        } catch (IOException e) {
            return true;
        }
    }

    private DefaultBHttpClientConnection open(long timeoutMillis, Supplier<String> newConnectionVeto)
            throws UpstreamException, InterruptedException {
        if (closed) {
            throw new UpstreamException(UpstreamException.Kind.CONNECT, "proxy is shutting down", null);
        }
        SocketChannel ch;
        Socket socket;
        try {
            ch = SocketChannel.open();
            socket = ch.socket();
        } catch (IOException e) {
            throw new UpstreamException(UpstreamException.Kind.CONNECT, "cannot open a socket: " + e, e);
        }
        try {
            socket.setTcpNoDelay(true);
            socket.connect(address, connectTimeoutMillis);
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis));
        } catch (IOException e) {
            closeQuietly(socket);
            throwIfInterrupted(e);
            throw new UpstreamException(
                    UpstreamException.Kind.CONNECT, "cannot connect to the app at " + address + ": " + e, e);
        }
        String veto = newConnectionVeto == null ? null : newConnectionVeto.get();
        if (veto != null) {
            closeQuietly(socket);
            throw new UpstreamException(UpstreamException.Kind.VETOED, veto, null);
        }
        DefaultBHttpClientConnection c = new DefaultBHttpClientConnection(HTTP1);
        try {
            c.bind(socket);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UpstreamException(UpstreamException.Kind.RESET, "cannot use the connection: " + e, e);
        }
        channel = ch;
        quickAck = ch.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);
        connection = c;
        if (closed) { // closed meanwhile: close() may have missed this connection
            drop(c);
            throw new UpstreamException(UpstreamException.Kind.CONNECT, "proxy is shutting down", null);
        }
        return c;
    }

    private static boolean hasBody(HttpMethod method, int status) {
        return !HttpMethod.HEAD.equals(method) && status != 204 && status != 304;
    }

    private static byte[] readBody(DefaultBHttpClientConnection c, ClassicHttpResponse response)
            throws IOException, HttpException {
        c.receiveResponseEntity(response);
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            return new byte[0];
        }
        if (entity.getContentLength() > UpstreamClient.MAX_RESPONSE_BYTES) {
            throw new HttpException("response body of " + entity.getContentLength() + " bytes is over the limit");
        }
        try (InputStream in = entity.getContent()) {
            byte[] body = in.readNBytes(UpstreamClient.MAX_RESPONSE_BYTES + 1);
            if (body.length > UpstreamClient.MAX_RESPONSE_BYTES) {
                throw new HttpException(
                        "response body over the limit of " + UpstreamClient.MAX_RESPONSE_BYTES + " bytes");
            }
            return body;
        }
    }

    private static BasicClassicHttpRequest toHttpCore(FullHttpRequest request) {
        BasicClassicHttpRequest out =
                new BasicClassicHttpRequest(request.method().name(), request.uri());
        for (Map.Entry<String, String> h : request.headers()) {
            out.addHeader(h.getKey(), h.getValue());
        }
        if (request.content().isReadable()) {
            byte[] body = new byte[request.content().readableBytes()];
            request.content().getBytes(request.content().readerIndex(), body);
            out.setEntity(new ByteArrayEntity(body, null));
        }
        return out;
    }

    private static FullHttpResponse toNetty(ClassicHttpResponse response, byte[] body, boolean framed) {
        HttpVersion version = response.getVersion() != null
                        && response.getVersion().lessEquals(org.apache.hc.core5.http.HttpVersion.HTTP_1_0)
                ? HttpVersion.HTTP_1_0
                : HttpVersion.HTTP_1_1;
        String reason = response.getReasonPhrase();
        HttpResponseStatus status = reason == null || reason.isEmpty()
                ? HttpResponseStatus.valueOf(response.getCode())
                : new HttpResponseStatus(response.getCode(), reason);
        FullHttpResponse answer = new DefaultFullHttpResponse(version, status, Unpooled.wrappedBuffer(body));
        for (Header h : response.getHeaders()) {
            answer.headers().add(h.getName(), h.getValue());
        }
        if (framed) { // as Netty's aggregator leaves it: the body in full, framed by its length
            answer.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            answer.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        return answer;
    }

    private void drop(DefaultBHttpClientConnection c) {
        c.close(CloseMode.IMMEDIATE);
        if (connection == c) {
            connection = null;
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }

    /** Closes the connection; a blocked exchange fails. Idempotent, never throws. */
    @Override
    public void close() {
        closed = true;
        DefaultBHttpClientConnection c = connection;
        if (c != null) {
            c.close(CloseMode.IMMEDIATE);
        }
    }
}
