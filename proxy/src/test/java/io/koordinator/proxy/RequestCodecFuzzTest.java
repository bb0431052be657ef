package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.codec.Fuzz;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing the command codec (the request inside a command's payload): whatever the bytes, {@link
 * RequestCodec#decode} returns a request or throws {@link IllegalArgumentException} (which stops
 * delivery as a corrupt command), nothing else; every request round-trips. Each target has a fixed
 * seed ({@link Fuzz#tries}).
 */
@Tag("fuzz")
class RequestCodecFuzzTest {
    private static final List<String> DICTIONARY =
            List.of("\u0000", "\u0080", "\u00ff\u00ff\u00ff\u00ff\u0007", "\u0002");

    @Test
    void arbitraryBytesDecodeOrFailCleanly() {
        Fuzz.tries(
                "arbitrary command bytes", 0x5eed_c001L, 500, f -> f.bytes(300), RequestCodecFuzzTest::decodeOrReject);
    }

    @Test
    void mutatedRequestsDecodeOrFailCleanly() {
        Fuzz.tries(
                "mutated commands",
                0x5eed_c002L,
                1000,
                f -> f.mutant(RequestCodec.encode(request(f)), 4, DICTIONARY),
                RequestCodecFuzzTest::decodeOrReject);
    }

    @Test
    void everyRequestRoundTrips() {
        Fuzz.tries("requests", 0x5eed_c003L, 200, RequestCodecFuzzTest::request, request -> {
            RequestData back = RequestCodec.decode(RequestCodec.encode(request));

            assertThat(back.method()).isEqualTo(request.method());
            assertThat(back.uri()).isEqualTo(request.uri());
            assertThat(back.headers()).isEqualTo(request.headers());
            assertThat(back.body()).isEqualTo(request.body());
        });
    }

    private static void decodeOrReject(byte[] input) {
        try {
            RequestData r = RequestCodec.decode(input);
            assertThat(r.method()).isNotEmpty();
            assertThat(r.uri()).isNotEmpty();
        } catch (IllegalArgumentException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    private static RequestData request(Fuzz f) {
        int n = f.between(0, 6);
        List<Map.Entry<String, String>> headers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            headers.add(Map.entry(f.text(0, 24), f.text(0, 24)));
        }
        return new RequestData(f.text(1, 24), f.text(1, 24), headers, f.bytes(200));
    }
}
