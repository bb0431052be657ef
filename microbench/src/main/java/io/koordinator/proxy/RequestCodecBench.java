package io.koordinator.proxy;

import io.koordinator.microbench.MicroBenchmark;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The command codec: an HTTP request as a command's payload ({@link RequestCodec}), encoded once
 * by the origin and decoded by every replica before delivery. A small PUT with the headers a
 * typical client sends.
 */
@State(Scope.Benchmark)
public class RequestCodecBench extends MicroBenchmark {
    RequestData request;
    byte[] payload;

    @Setup
    public void setUp() {
        request = new RequestData(
                "PUT",
                "/kv/p-17?version=3",
                List.of(
                        Map.entry("Host", "kv.default.svc.cluster.local:8080"),
                        Map.entry("User-Agent", "curl/8.5.0"),
                        Map.entry("Accept", "*/*"),
                        Map.entry("Content-Type", "application/octet-stream"),
                        Map.entry("Idempotency-Key", "8c1f6f0e-5c36-4f0e-9d59-2f3b2b8f1a77")),
                "r1.17.4242;".repeat(16).getBytes(StandardCharsets.UTF_8));
        payload = RequestCodec.encode(request);
    }

    @Benchmark
    public byte[] encode() {
        return RequestCodec.encode(request);
    }

    @Benchmark
    public RequestData decode() {
        return RequestCodec.decode(payload);
    }
}
