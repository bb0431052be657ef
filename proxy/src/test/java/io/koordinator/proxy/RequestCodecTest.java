package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestCodecTest {
    static final RequestData SAMPLE = new RequestData(
            "POST",
            "/kv/k\u00e9y?x=1&y=%20",
            List.of(
                    Map.entry("Host", "kv"),
                    Map.entry("X-Multi", "a"),
                    Map.entry("X-Multi", "b"),
                    Map.entry("X-Unicode", "\u65e5\u672c")),
            "body \u0000 bytes".getBytes(StandardCharsets.UTF_8));

    @Test
    void roundTrips() {
        RequestData back = RequestCodec.decode(RequestCodec.encode(SAMPLE));
        assertThat(back.method()).isEqualTo(SAMPLE.method());
        assertThat(back.uri()).isEqualTo(SAMPLE.uri());
        assertThat(back.headers()).isEqualTo(SAMPLE.headers());
        assertThat(back.body()).isEqualTo(SAMPLE.body());
    }

    @Test
    void roundTripsEmptyAndLargeBodies() {
        for (int size : new int[] {0, 1, 127, 128, 16_384, 300_000}) {
            byte[] body = new byte[size];
            Arrays.fill(body, (byte) 7);
            RequestData r = new RequestData("PUT", "/", List.of(), body);
            assertThat(RequestCodec.decode(RequestCodec.encode(r)).body()).isEqualTo(body);
        }
    }

    @Test
    void startsWithTheVersionByte() {
        assertThat(RequestCodec.encode(SAMPLE)[0]).isEqualTo((byte) RequestCodec.VERSION);
    }

    @Test
    void rejectsEveryTruncation() {
        byte[] full = RequestCodec.encode(SAMPLE);
        for (int n = 0; n < full.length; n++) {
            byte[] cut = Arrays.copyOf(full, n);
            assertThatThrownBy(() -> RequestCodec.decode(cut))
                    .as("truncated to %d bytes", n)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void rejectsTrailingBytes() {
        byte[] full = RequestCodec.encode(SAMPLE);
        byte[] longer = Arrays.copyOf(full, full.length + 1);
        assertThatThrownBy(() -> RequestCodec.decode(longer)).hasMessageContaining("trailing");
    }

    @Test
    void rejectsUnknownVersion() {
        byte[] full = RequestCodec.encode(SAMPLE);
        full[0] = 9;
        assertThatThrownBy(() -> RequestCodec.decode(full)).hasMessageContaining("version 9");
    }

    @Test
    void rejectsOverlongAndHugeLengths() {
        // version, then a method length varint of six continuation bytes
        byte[] overlong = {1, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0};
        assertThatThrownBy(() -> RequestCodec.decode(overlong)).isInstanceOf(IllegalArgumentException.class);
        // version, then a method length of 2^31-1
        byte[] huge = {1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        assertThatThrownBy(() -> RequestCodec.decode(huge)).hasMessageContaining("truncated");
        // version, then a length that overflows an int
        byte[] negative = {1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F};
        assertThatThrownBy(() -> RequestCodec.decode(negative)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsEmptyMethod() {
        byte[] b = RequestCodec.encode(new RequestData("", "/", List.of(), new byte[0]));
        assertThatThrownBy(() -> RequestCodec.decode(b)).hasMessageContaining("empty method");
    }
}
