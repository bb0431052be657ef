package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.MemorySequencer;
import io.koordinator.sequencer.codec.Fuzz;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing the inbound HTTP path: the downstream pipeline exactly as {@link DownstreamInitializer}
 * builds it (strict decoder with its limits, header-read timeout, validation, body limit), on an
 * {@link EmbeddedChannel}, fed mutated requests and arbitrary bytes in arbitrary pieces.
 *
 * <p>For every input: no exception escapes or reaches the downstream handler's "failed" line; every
 * answer is a 1xx, a 4xx, or the 503 {@code ordering_unavailable} of a request that passed every
 * check (the log is made unavailable, so a well-formed request gets exactly that), never another
 * 5xx; once the header-read and idle timeouts have passed, the connection is closed or has nothing
 * in progress (no hang); and no buffer leaks, under Netty's paranoid leak detector (the surefire
 * execution "fuzz" turns it on; a "LEAK:" line fails the test). Each target has a fixed seed
 * ({@link Fuzz#tries}).
 */
@Tag("fuzz")
class InboundHttpFuzzTest {
    private static final List<String> SEEDS = List.of(
            "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
            "POST /kv/a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
            "POST /kv/b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "PUT /x?y=1 HTTP/1.0\r\nContent-Length: 2\r\n\r\nab",
            "HEAD /h HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
            "POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
            "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET http://h/abs?q=1 HTTP/1.1\r\nHost: h\r\nIdempotency-Key: k1\r\n\r\n",
            "DELETE /kv/a HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n");
    private static final List<String> DICTIONARY = List.of(
            "\r\n",
            "\n",
            "\r",
            "\r\n\r\n",
            "Content-Length: 10\r\n",
            "Content-Length: -1\r\n",
            "Content-Length: 99999999999999999999\r\n",
            "Content-Length: 5000\r\n",
            "Transfer-Encoding: chunked\r\n",
            "Transfer-Encoding: gzip, chunked\r\n",
            "Host: h\r\n",
            " folded\r\n",
            "\tx",
            "0\r\n\r\n",
            "ffffffff\r\n",
            "5;ext=1\r\nhello\r\n",
            "Expect: 100-continue\r\n",
            "Expect: x\r\n",
            "Connection: close\r\n",
            "HTTP/1.1",
            "HTTP/2.0",
            "HTTP/1.0",
            "CONNECT ",
            "/%00",
            "\u0000",
            "\u007f",
            "X: \u0001\r\n",
            "a".repeat(300),
            ("X-Long: " + "b".repeat(100) + "\r\n").repeat(6));
    private static final int MAX_BODY = 4096;

    private MemorySequencer sequencer;
    private FilterChain chain;
    private LogCapture failures;
    private LogCapture quiet;
    private int answered;
    private int inputs;

    @BeforeEach
    void start() {
        assertThat(ResourceLeakDetector.getLevel())
                .as("run in the surefire execution 'fuzz' (-Dio.netty.leakDetection.level=paranoid)")
                .isEqualTo(ResourceLeakDetector.Level.PARANOID);
        ProxyConfig config = Proxies.config(
                "fuzz",
                1,
                Map.of(
                        Key.MAX_BODY_BYTES, Integer.toString(MAX_BODY),
                        Key.MAX_REQUEST_LINE_BYTES, "256",
                        Key.MAX_HEADER_BYTES, "512",
                        Key.HEADER_READ_TIMEOUT, "10s"));
        MemorySequencer.Log log = new MemorySequencer.Log();
        log.setAvailable(false);
        sequencer = new MemorySequencer(log, config.sequencerConfig());
        sequencer.start();
        chain = Proxies.chainWithoutApp(config, sequencer);
        failures = LogCapture.of(Level.DEBUG, "io.netty.util.ResourceLeakDetector", DownstreamHandler.class.getName());
        quiet = LogCapture.of(Level.OFF, "koordinator.access", LimitLog.class.getName());
    }

    @AfterEach
    void stop() {
        try {
            forceLeakReports();
            assertThat(failures.lines()).as("leak reports and handler failures").isEmpty();
            System.out.printf("InboundHttpFuzzTest: %d inputs, %d responses checked%n", inputs, answered);
        } finally {
            failures.close();
            quiet.close();
            sequencer.close();
        }
    }

    @Test
    void mutatedRequestsGetCleanAnswers() {
        Fuzz.tries("mutated requests", 0x5eed_4001L, 1000, InboundHttpFuzzTest::mutatedRequest, this::feed);
    }

    @Test
    void arbitraryBytesGetCleanAnswers() {
        Fuzz.tries("arbitrary request bytes", 0x5eed_4002L, 400, InboundHttpFuzzTest::arbitraryBytes, this::feed);
    }

    /** The check itself can fail: a buffer dropped without release is reported and seen. */
    @Test
    void aLeakedBufferIsSeen() {
        ByteBufAllocator.DEFAULT.buffer(64).writeLong(42); // dropped without release
        forceLeakReports();
        assertThat(failures.lines()).anyMatch(l -> l.contains("LEAK"));
        failures.clear();
    }

    /** The bytes of one input and the lengths of its first pieces. */
    private record Input(byte[] bytes, List<Integer> cuts) {
        @Override
        public String toString() {
            return new String(bytes, StandardCharsets.ISO_8859_1) + " cut after " + cuts;
        }
    }

    private void feed(Input in) {
        byte[] input = in.bytes();
        List<Integer> cuts = in.cuts();
        inputs++;
        EmbeddedChannel ch = new EmbeddedChannel(
                new DownstreamInitializer(chain, new DefaultChannelGroup(GlobalEventExecutor.INSTANCE)));
        try {
            feedAndCheck(ch, input, cuts);
            ch.close();
            ch.runPendingTasks();
            drain(ch, new ByteArrayOutputStream());
            assertThat(chain.inFlight())
                    .as("requests left in progress after close")
                    .isZero();
            assertThat(ch.finishAndReleaseAll())
                    .as("messages left in the channel")
                    .isFalse();
        } finally {
            ch.close(); // also after a failed check, so that the next input starts clean
            ch.finishAndReleaseAll();
        }
    }

    private void feedAndCheck(EmbeddedChannel ch, byte[] input, List<Integer> cuts) {
        // Given the input in pieces
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int cut : cuts) {
            int to = Math.min(input.length, from + cut);
            write(ch, input, from, to);
            drain(ch, out);
            from = to;
        }
        write(ch, input, from, input.length);
        drain(ch, out);

        // When the header-read timeout and then the idle timeout pass
        ch.advanceTimeBy(11, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
        ch.advanceTimeBy(DownstreamInitializer.IDLE_SECONDS + 1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
        drain(ch, out);

        // Then nothing waits forever, and every answer is a clean one
        String written = out.toString(StandardCharsets.ISO_8859_1);
        String shown = new String(input, StandardCharsets.ISO_8859_1);
        assertThat(ch.isOpen() && chain.inFlight() > 0)
                .as("a request still waits for an answer after every timeout, input %s, output %s", shown, written)
                .isFalse();
        for (Answer a : answers(written)) {
            answered++;
            // 503 with Retry-After: a request that passed every check, refused by the (unavailable) log
            boolean ordered = a.status() == 503 && a.rest().toLowerCase().contains("\r\nretry-after: ");
            assertThat(a.status() < 200 || (a.status() >= 400 && a.status() < 500) || ordered)
                    .as("answer %d to input %s (output %s)", a.status(), shown, written)
                    .isTrue();
        }
    }

    private static void write(EmbeddedChannel ch, byte[] input, int from, int to) {
        if (to <= from || !ch.isOpen()) {
            return;
        }
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(to - from).writeBytes(input, from, to - from);
        ch.writeInbound(buf); // rethrows whatever reached the end of the pipeline
        ch.runPendingTasks();
    }

    private static void drain(EmbeddedChannel ch, ByteArrayOutputStream out) {
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            try {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                out.writeBytes(bytes);
            } finally {
                b.release();
            }
        }
    }

    private record Answer(int status, String rest) {}

    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

    /** The answers in {@code written}, found by framing each (Content-Length, or none for a HEAD). */
    private static List<Answer> answers(String written) {
        List<Answer> answers = new ArrayList<>();
        int at = 0;
        while (at < written.length()) {
            Matcher m = STATUS_LINE.matcher(written);
            assertThat(m.find(at) && m.start() == at)
                    .as("a status line at %d of %s", at, written)
                    .isTrue();
            int headEnd = written.indexOf("\r\n\r\n", at);
            assertThat(headEnd).as("end of the head at %d of %s", at, written).isPositive();
            String head = written.substring(at, headEnd).toLowerCase();
            int bodyStart = headEnd + 4;
            int length = 0;
            Matcher cl = Pattern.compile("\r\ncontent-length: (\\d+)").matcher(head);
            if (cl.find()) {
                length = Integer.parseInt(cl.group(1));
                if (bodyStart + length > written.length() || !atAnswer(written, bodyStart + length)) {
                    length = 0; // an answer to HEAD: the length without the body
                }
            }
            int end = bodyStart + length;
            answers.add(new Answer(Integer.parseInt(m.group(1)), written.substring(at, end)));
            at = end;
        }
        return answers;
    }

    private static boolean atAnswer(String written, int at) {
        return at == written.length() || written.startsWith("HTTP/1.1 ", at);
    }

    /** Leaks are reported when the leaked buffer is collected and a later buffer is tracked. */
    private static void forceLeakReports() {
        for (int i = 0; i < 5; i++) {
            System.gc();
            for (int j = 0; j < 100; j++) {
                ByteBufAllocator.DEFAULT.buffer(16).release();
            }
        }
    }

    private static Input mutatedRequest(Fuzz f) {
        byte[] seed = f.oneOf(SEEDS).getBytes(StandardCharsets.ISO_8859_1);
        return new Input(f.mutant(seed, 6, DICTIONARY), f.cuts(4, 80));
    }

    private static Input arbitraryBytes(Fuzz f) {
        byte[] bytes =
                f.oneIn(2) ? f.bytes(600) : Fuzz.concat("POST /".getBytes(StandardCharsets.ISO_8859_1), f.bytes(300));
        return new Input(bytes, f.cuts(4, 80));
    }
}
