package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.codec.ByteMutations;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;

/**
 * Fuzzing the command codec (the request inside a command's payload): whatever the bytes, {@link
 * RequestCodec#decode} returns a request or throws {@link IllegalArgumentException} (which stops
 * delivery as a corrupt command), nothing else; every request round-trips.
 */
@Tag("fuzz")
class RequestCodecFuzzTest {
    private static final List<String> DICTIONARY =
            List.of("\u0000", "\u0080", "\u00ff\u00ff\u00ff\u00ff\u0007", "\u0002");

    @Property(tries = 500)
    void arbitraryBytesDecodeOrFailCleanly(@ForAll("arbitraryBytes") byte[] input) {
        decodeOrReject(input);
    }

    @Property(tries = 1000)
    void mutatedRequestsDecodeOrFailCleanly(@ForAll("mutatedRequests") byte[] input) {
        decodeOrReject(input);
    }

    @Property(tries = 200)
    void everyRequestRoundTrips(@ForAll("requests") RequestData request) {
        RequestData back = RequestCodec.decode(RequestCodec.encode(request));

        assertThat(back.method()).isEqualTo(request.method());
        assertThat(back.uri()).isEqualTo(request.uri());
        assertThat(back.headers()).isEqualTo(request.headers());
        assertThat(back.body()).isEqualTo(request.body());
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

    @Provide
    Arbitrary<byte[]> arbitraryBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    @Provide
    Arbitrary<byte[]> mutatedRequests() {
        return ByteMutations.mutants(requests().map(RequestCodec::encode), 4, DICTIONARY);
    }

    @Provide
    Arbitrary<RequestData> requests() {
        Arbitrary<String> text = Arbitraries.strings()
                .withCharRange('\u0000', '\ud7ff')
                .withCharRange('\ue000', '\uffff')
                .ofMaxLength(24);
        Arbitrary<Map.Entry<String, String>> header =
                Combinators.combine(text, text).as(Map::entry);
        return Combinators.combine(
                        text.filter(s -> !s.isEmpty()),
                        text.filter(s -> !s.isEmpty()),
                        header.list().ofMaxSize(6),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(200))
                .as(RequestData::new);
    }
}
