package io.koordinator.sequencer.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Mutated copies of valid inputs, for the fuzz properties: bit flips, bytes set to values that sit
 * on a boundary of the formats (0, 0x7F, 0x80, 0xFF, CR, LF, SP, HTAB, ':'), deleted, repeated or
 * inserted runs, truncation, and snippets of a dictionary inserted or written over. Each mutation
 * is a few integers, so jqwik shrinks a failure to the fewest and smallest mutations. Public: the
 * proxy's fuzz tests use it through the test jar.
 */
public final class ByteMutations {
    private static final byte[] BOUNDARIES = {0, 0x7F, (byte) 0x80, (byte) 0xFF, '\r', '\n', ' ', '\t', ':', 1};

    private ByteMutations() {}

    /** One mutation: what to do, where (scaled to the input), and with what. */
    record Mutation(int kind, int where, int length, int value) {}

    /** Copies of {@code seeds} with 1..{@code maxMutations} mutations, snippets from {@code dictionary}. */
    public static Arbitrary<byte[]> mutants(Arbitrary<byte[]> seeds, int maxMutations, List<String> dictionary) {
        Arbitrary<Mutation> mutation = Combinators.combine(
                        Arbitraries.integers().between(0, 8),
                        Arbitraries.integers().between(0, Integer.MAX_VALUE),
                        Arbitraries.integers().between(1, 64),
                        Arbitraries.integers().between(0, Integer.MAX_VALUE))
                .as(Mutation::new);
        List<byte[]> snippets = dictionary.stream()
                .map(s -> s.getBytes(StandardCharsets.ISO_8859_1))
                .toList();
        return Combinators.combine(seeds, mutation.list().ofMinSize(1).ofMaxSize(maxMutations))
                .as((seed, mutations) -> {
                    byte[] out = seed;
                    for (Mutation m : mutations) {
                        out = apply(out, m, snippets);
                    }
                    return out;
                });
    }

    static byte[] apply(byte[] in, Mutation m, List<byte[]> snippets) {
        int at = in.length == 0 ? 0 : m.where() % in.length;
        int end = Math.min(in.length, at + m.length());
        switch (m.kind()) {
            case 0 -> {
                if (in.length > 0) {
                    byte[] out = in.clone();
                    out[at] ^= (byte) (1 << (m.value() % 8));
                    return out;
                }
                return in;
            }
            case 1 -> {
                if (in.length > 0) {
                    byte[] out = in.clone();
                    out[at] = BOUNDARIES[m.value() % BOUNDARIES.length];
                    return out;
                }
                return in;
            }
            case 2 -> {
                return concat(Arrays.copyOfRange(in, 0, at), Arrays.copyOfRange(in, end, in.length));
            }
            case 3 -> {
                return concat(Arrays.copyOfRange(in, 0, end), Arrays.copyOfRange(in, at, in.length));
            }
            case 4 -> {
                byte[] random = new byte[m.length()];
                new Random(m.value()).nextBytes(random);
                return concat(Arrays.copyOfRange(in, 0, at), random, Arrays.copyOfRange(in, at, in.length));
            }
            case 5 -> {
                return Arrays.copyOf(in, at);
            }
            case 6, 7 -> {
                if (snippets.isEmpty()) {
                    return in;
                }
                byte[] snippet = snippets.get(m.value() % snippets.size());
                int resume = m.kind() == 6 ? at : Math.min(in.length, at + snippet.length);
                return concat(Arrays.copyOfRange(in, 0, at), snippet, Arrays.copyOfRange(in, resume, in.length));
            }
            default -> {
                if (in.length == 0) {
                    return in;
                }
                byte[] out = in.clone();
                out[at] += (byte) (m.value() % 2 == 0 ? 1 : -1); // off by one: lengths, counts
                return out;
            }
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
