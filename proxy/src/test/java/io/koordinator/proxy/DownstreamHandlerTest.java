package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The downstream handler on an EmbeddedChannel: limits, validation and response order. */
class DownstreamHandlerTest {
    MemorySequencer sequencer;
    MemorySequencer.Log log;
    FilterChain chain;

    @BeforeEach
    void setUp() {
        ProxyConfig config = Proxies.config("e1", 1, Map.of(Key.MAX_BODY_BYTES, "8"));
        log = new MemorySequencer.Log();
        sequencer = new MemorySequencer(log, config.sequencerConfig());
        sequencer.start();
        chain = Proxies.chainWithoutApp(config, sequencer);
    }

    @AfterEach
    void tearDown() {
        sequencer.close();
    }

    EmbeddedChannel channel() {
        return new EmbeddedChannel(
                new StrictRequestDecoder(),
                new io.netty.handler.codec.http.HttpResponseEncoder(),
                new DownstreamHandler(chain));
    }

    static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void oversizedBodyGets413AndTheConnectionCloses() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n123456789"));
        String out = written(ch);
        assertThat(out)
                .startsWith("HTTP/1.1 413 ")
                .contains("connection: close")
                .contains("payload_too_large");
        assertThat(ch.isOpen()).isFalse();
        assertThat(chain.inFlight()).isZero();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aBodyStalledForTheIdleTimeoutGets408AndNothingIsOrdered() {
        // found by InboundHttpFuzzTest: a chunked body cut short kept its connection forever
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0"));
        assertThat(chain.inFlight()).isEqualTo(1);

        ch.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);

        assertThat(written(ch))
                .startsWith("HTTP/1.1 408 ")
                .contains("body_timeout")
                .contains("connection: close");
        assertThat(ch.isOpen()).isFalse();
        assertThat(chain.inFlight()).isZero();
        assertThat(log.entryCount()).isZero();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void logUnavailableGives503WithRetryAfterAndKeepsTheConnection() {
        log.setAvailable(false);
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx"));
        ch.runPendingTasks();
        String out = written(ch);
        assertThat(out).startsWith("HTTP/1.1 503 ").contains("retry-after: 1").contains("ordering_unavailable");
        assertThat(ch.isOpen()).isTrue();
        assertThat(log.entryCount()).isZero();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void pipelinedAnswersKeepRequestOrder() {
        log.setAvailable(false);
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
                + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
                + "GET /c HTTP/1.1\r\n\r\n"));
        ch.runPendingTasks();
        String out = written(ch);
        int first = out.indexOf("HTTP/1.1 503");
        int second = out.indexOf("HTTP/1.1 503", first + 1);
        int third = out.indexOf("HTTP/1.1 400");
        assertThat(first).isZero();
        assertThat(second).isGreaterThan(first);
        assertThat(third).isGreaterThan(second);
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void requestWaitingForItsPositionIsReleasedWhenTheClientGoesAway() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"));
        await().atMost(Duration.ofSeconds(30)).until(() -> log.entryCount() == 1);
        assertThat(chain.inFlight()).isEqualTo(1);
        ch.close();
        assertThat(chain.inFlight()).isZero();
        assertThat(written(ch)).isEmpty();
        assertFalse(ch.finishAndReleaseAll());
    }
}
