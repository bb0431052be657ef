package io.koordinator.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Netty's request decoder with strict framing (RFC 9112: CRLF line ends, no duplicate {@code
 * Content-Length}, no {@code Content-Length} next to {@code Transfer-Encoding}), plus rejection
 * of obsolete line folding (RFC 9112 §5.2), which Netty would otherwise join into one value.
 *
 * <p>A rejected message comes out as a request whose {@link DecoderResult} is a failure, as for
 * every other decoding error; the rest of the connection's input is discarded. A request line
 * over its limit fails with {@link io.netty.handler.codec.http.TooLongHttpLineException}, a
 * header block over its limit with {@link io.netty.handler.codec.http.TooLongHttpHeaderException}.
 *
 * <p>{@link #readingHead()} tells the header-read timeout whether part of a request head has
 * arrived and waits for the rest.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
    static final int MAX_INITIAL_LINE = 8192;
    static final int MAX_HEADER_SIZE = 16384;
    static final int MAX_CHUNK_SIZE = 65536;

    /** True between the end of one message and the start line of the next being decoded. */
    private boolean inHead = true;

    /** True once the decoder consumed some lines of the current head (it consumes whole lines). */
    private boolean headStarted;

    private boolean rejected;

    /** True after a decode that left part of a request head unread (event loop only). */
    private boolean partialHead;

    StrictRequestDecoder() {
        this(MAX_INITIAL_LINE, MAX_HEADER_SIZE);
    }

    StrictRequestDecoder(int maxRequestLineBytes, int maxHeaderBytes) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(maxRequestLineBytes)
                .setMaxHeaderSize(maxHeaderBytes)
                .setMaxChunkSize(MAX_CHUNK_SIZE)
                .setValidateHeaders(true)
                .setAllowDuplicateContentLengths(false)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (rejected) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        if (inHead && hasObsFold(buffer, headStarted)) {
            rejected = true;
            buffer.skipBytes(buffer.readableBytes());
            DefaultFullHttpRequest invalid = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad");
            invalid.setDecoderResult(DecoderResult.failure(
                    new IllegalArgumentException("obsolete line folding in a header field (RFC 9112 section 5.2)")));
            out.add(invalid);
            return;
        }
        int before = out.size();
        int readerBefore = buffer.readerIndex();
        super.decode(ctx, buffer, out);
        boolean consumed = buffer.readerIndex() > readerBefore;
        for (int i = before; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpRequest) {
                inHead = false;
                headStarted = false;
                consumed = false;
            }
            if (o instanceof LastHttpContent) {
                inHead = true;
            }
        }
        if (inHead && consumed && out.size() == before) {
            headStarted = true;
        }
        partialHead = inHead && !rejected && (headStarted || buffer.isReadable());
    }

    /** True while the bytes of a request head have started to arrive but not all of them. */
    boolean readingHead() {
        return partialHead && !rejected;
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (rejected) {
            in.skipBytes(in.readableBytes()); // the rejection already ended the message
            return;
        }
        super.decodeLast(ctx, in, out);
    }

    /**
     * Scans the not yet decoded part of a message head for a line starting with SP or HTAB. The
     * decoder consumes whole lines only, so the buffer always starts at a line start.
     */
    static boolean hasObsFold(ByteBuf buffer, boolean headStarted) {
        int start = buffer.readerIndex();
        int end = buffer.writerIndex();
        int lineStart = start;
        for (int i = start; i < end; i++) {
            byte b = buffer.getByte(i);
            if (i == lineStart && (i > start || headStarted) && (b == ' ' || b == '\t')) {
                return true;
            }
            if (b == '\n') {
                if (i - lineStart <= 1 && (i > start + 1 || headStarted)) {
                    return false; // empty line: the head ends here, the body follows
                }
                lineStart = i + 1;
            }
        }
        return false;
    }
}
