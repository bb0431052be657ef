package io.koordinator.sequencer.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fuzz generators: a failure names the target, the try and the seed, and a seed replays. */
class FuzzTest {
    @Test
    void aFailureNamesTheTryAndTheSeed() {
        List<byte[]> seen = new ArrayList<>();
        assertThatThrownBy(() -> Fuzz.tries("sample", 42, 10, f -> f.bytes(8), input -> {
                    seen.add(input);
                    assertThat(seen).hasSizeLessThan(3);
                }))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("sample failed on try 3 of 10 with seed " + Fuzz.seed(42))
                .hasMessageContaining("-Dkoordinator.fuzz.seed=");
    }

    @Test
    void theSameSeedDrawsTheSameInputs() {
        assertThat(draw(7)).isEqualTo(draw(7)).isNotEqualTo(draw(8));
    }

    @Test
    void mutantsDifferFromTheirSeedAndStayBounded() {
        byte[] seed = "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        List<String> different = new ArrayList<>();
        Fuzz.tries("mutants", 1, 200, f -> f.mutant(seed, 4, List.of("\r\n")), m -> {
            assertThat(m.length).isLessThanOrEqualTo(seed.length * 2 + 4 * 64);
            if (!java.util.Arrays.equals(m, seed)) {
                different.add("x");
            }
        });
        assertThat(different).hasSizeGreaterThan(150);
    }

    private static List<String> draw(long seed) {
        Fuzz f = new Fuzz(seed); // not Fuzz.tries: -Dkoordinator.fuzz.seed would replace both seeds
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            out.add(f.text(0, 10) + f.anyLong() + f.cuts(4, 80));
        }
        return out;
    }
}
