package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The header-read timeout and the head size limits on an EmbeddedChannel, with the clock in hand. */
class LimitsHandlerTest {
    MemorySequencer sequencer;
    FilterChain chain;

    @BeforeEach
    void setUp() {
        ProxyConfig config = Proxies.config(
                "e1",
                1,
                Map.of(
                        Key.HEADER_READ_TIMEOUT, "1s",
                        Key.MAX_REQUEST_LINE_BYTES, "64",
                        Key.MAX_HEADER_BYTES, "256"));
        sequencer = new MemorySequencer(new MemorySequencer.Log(), config.sequencerConfig());
        sequencer.start();
        chain = Proxies.chainWithoutApp(config, sequencer);
    }

    @AfterEach
    void tearDown() {
        sequencer.close();
    }

    EmbeddedChannel channel() {
        ProxyConfig.Limits limits = chain.config().limits();
        StrictRequestDecoder decoder = new StrictRequestDecoder(limits.maxRequestLineBytes(), limits.maxHeaderBytes());
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline()
                .addLast(decoder, new HttpResponseEncoder(), new HeaderReadTimeout(chain, decoder))
                .addLast("downstream", new DownstreamHandler(chain));
        return ch;
    }

    @Test
    void aHalfHeadGets408AfterTheTimeoutAndTheConnectionCloses() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(DownstreamHandlerTest.bytes("GET / HTTP/1.1\r\nHost: h\r\n"));
        ch.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        assertThat(DownstreamHandlerTest.written(ch)).isEmpty();

        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(DownstreamHandlerTest.written(ch))
                .startsWith("HTTP/1.1 408 ")
                .contains("connection: close")
                .contains("header_timeout");
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void theClockRunsFromAcceptNotFromTheLastByte() {
        EmbeddedChannel ch = channel();
        ch.advanceTimeBy(600, TimeUnit.MILLISECONDS);
        ch.writeInbound(DownstreamHandlerTest.bytes("GET / HTTP/1.1\r\n"));
        ch.advanceTimeBy(300, TimeUnit.MILLISECONDS);
        ch.writeInbound(DownstreamHandlerTest.bytes("Host: h\r\n"));
        ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(DownstreamHandlerTest.written(ch)).startsWith("HTTP/1.1 408 ");
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aCompleteHeadStopsTheClock() {
        EmbeddedChannel ch = channel();
        // Ordered, so it waits for its position (nothing delivers here): the client waits for us.
        ch.writeInbound(DownstreamHandlerTest.bytes("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"));
        ch.advanceTimeBy(5, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(DownstreamHandlerTest.written(ch)).doesNotContain(" 408 ");
        assertThat(ch.isOpen()).isTrue();
        assertThat(chain.inFlight()).isEqualTo(1);
        ch.close();
        assertThat(chain.inFlight()).isZero();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aLongRequestLineGets414() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(DownstreamHandlerTest.bytes("GET /" + "a".repeat(64) + " HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertThat(DownstreamHandlerTest.written(ch))
                .startsWith("HTTP/1.1 414 ")
                .contains("uri_too_long")
                .contains("limit of 64 bytes");
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void largeHeadersGet431() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(DownstreamHandlerTest.bytes(
                "GET / HTTP/1.1\r\nHost: h\r\nX-A: " + "a".repeat(128) + "\r\nX-B: " + "b".repeat(128) + "\r\n\r\n"));
        assertThat(DownstreamHandlerTest.written(ch))
                .startsWith("HTTP/1.1 431 ")
                .contains("header_fields_too_large")
                .contains("limit of 256 bytes");
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }
}
