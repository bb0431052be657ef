package io.koordinator.proxy;

import io.koordinator.microbench.MicroBenchmark;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Request parsing on the inbound listener: the proxy's {@link StrictRequestDecoder} (Netty's
 * decoder with strict framing) turning the bytes of one keep-alive request into its head and
 * body, on one {@link EmbeddedChannel} that sees request after request, as a downstream
 * connection does. Every decoded message is released.
 */
@State(Scope.Thread)
public class RequestParsingBench extends MicroBenchmark {
    @Param({"16", "1024"})
    int bodyBytes;

    EmbeddedChannel channel;
    ByteBuf request;

    @Setup
    public void setUp() {
        channel = new EmbeddedChannel(new StrictRequestDecoder());
        String head = "PUT /kv/p-17 HTTP/1.1\r\n"
                + "Host: kv.default.svc.cluster.local:8080\r\n"
                + "User-Agent: curl/8.5.0\r\n"
                + "Accept: */*\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Content-Length: " + bodyBytes + "\r\n"
                + "\r\n";
        request = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer().writeBytes((head + "x".repeat(bodyBytes)).getBytes(StandardCharsets.US_ASCII)));
    }

    @Benchmark
    public void decode(Blackhole bh) {
        channel.writeInbound(request.retainedDuplicate());
        for (Object msg = channel.readInbound(); msg != null; msg = channel.readInbound()) {
            bh.consume(msg);
            ReferenceCountUtil.release(msg);
        }
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
    }
}
