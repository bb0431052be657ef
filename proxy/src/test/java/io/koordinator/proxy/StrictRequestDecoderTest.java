package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrictRequestDecoderTest {
    static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Decoded request heads: true for a good one, false for a rejected one; content is released. */
    static List<Boolean> heads(EmbeddedChannel ch) {
        List<Boolean> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            if (o instanceof HttpRequest r) {
                out.add(r.decoderResult().isSuccess());
            } else if (o instanceof HttpContent c && !(o instanceof LastHttpContent)) {
                assertThat(c.decoderResult().isSuccess()).isTrue();
            }
            ReferenceCountUtil.release(o);
        }
        return out;
    }

    @Test
    void rejectsObsFold() {
        EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder());
        ch.writeInbound(bytes("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tb\r\n\r\n"));
        assertThat(heads(ch)).containsExactly(false);
        // everything after a rejected message is discarded
        ch.writeInbound(bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertThat(heads(ch)).isEmpty();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void rejectsObsFoldArrivingInTheNextSegment() {
        EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder());
        ch.writeInbound(bytes("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n"));
        assertThat(heads(ch)).isEmpty();
        ch.writeInbound(bytes(" b\r\n\r\n"));
        assertThat(heads(ch)).containsExactly(false);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void bodyBytesThatLookLikeAFoldAreNotHeaders() {
        EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder());
        ch.writeInbound(bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\na\r\n bc"
                + "GET /second HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertThat(heads(ch)).containsExactly(true, true);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void bodyArrivingLaterIsNotScanned() {
        EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder());
        ch.writeInbound(bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n"));
        ch.writeInbound(bytes(" ab"));
        ch.writeInbound(bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertThat(heads(ch)).containsExactly(true, true);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void rejectsBothContentLengthAndTransferEncoding() {
        EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder());
        ch.writeInbound(bytes(
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
        assertThat(heads(ch)).containsExactly(false);
        assertFalse(ch.finishAndReleaseAll());
    }
}
