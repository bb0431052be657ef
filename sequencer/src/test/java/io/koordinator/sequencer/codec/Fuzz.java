package io.koordinator.sequencer.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Seeded generators for the fuzz tests: arbitrary bytes and text of bounded length, mutated copies
 * of valid inputs, and cuts of an input into pieces. A run of {@link #tries} draws every input from
 * one {@link Random} with a fixed seed, so a failure names the seed and the try, and rerunning with
 * {@code -Dkoordinator.fuzz.seed=<seed>} replays it. Public: the proxy's fuzz tests use it through
 * the test jar.
 *
 * <p>Mutations: bit flips, bytes set to values that sit on a boundary of the formats (0, 0x7F,
 * 0x80, 0xFF, CR, LF, SP, HTAB, ':'), deleted, repeated or inserted runs, truncation, off-by-one
 * bytes, and snippets of a dictionary inserted or written over.
 */
public final class Fuzz {
    /** The system property that replaces every target's fixed seed. */
    public static final String SEED_PROPERTY = "koordinator.fuzz.seed";

    private static final byte[] BOUNDARIES = {0, 0x7F, (byte) 0x80, (byte) 0xFF, '\r', '\n', ' ', '\t', ':', 1};
    private static final long[] EDGE_LONGS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 127, 128, 255, 256};

    private final Random random;

    Fuzz(long seed) {
        this.random = new Random(seed);
    }

    /** Draws one input from the generators. */
    @FunctionalInterface
    public interface Generator<T> {
        T next(Fuzz fuzz);
    }

    /** Checks one input; any exception or assertion error fails the run. */
    @FunctionalInterface
    public interface Check<T> {
        void accept(T input) throws Exception;
    }

    /**
     * Checks {@code count} inputs drawn with {@code seed} (or the {@value #SEED_PROPERTY} override);
     * a failure names the target, the try, the seed and the input.
     */
    public static <T> void tries(String target, long seed, int count, Generator<T> generator, Check<T> check) {
        long used = seed(seed);
        Fuzz fuzz = new Fuzz(used);
        for (int i = 1; i <= count; i++) {
            T input = generator.next(fuzz);
            try {
                check.accept(input);
            } catch (Exception | AssertionError e) {
                throw new AssertionError(
                        "%s failed on try %d of %d with seed %d (rerun with -D%s=%d), input %s: %s"
                                .formatted(target, i, count, used, SEED_PROPERTY, used, show(input), e),
                        e);
            }
        }
    }

    /** The seed in use: {@code seed}, unless {@value #SEED_PROPERTY} is set. */
    public static long seed(long seed) {
        String override = System.getProperty(SEED_PROPERTY, "").strip();
        return override.isEmpty() ? seed : Long.parseLong(override);
    }

    /** A number in {@code [min, max]}. */
    public int between(int min, int max) {
        return min + random.nextInt(max - min + 1);
    }

    /** True one time in {@code n}. */
    public boolean oneIn(int n) {
        return random.nextInt(n) == 0;
    }

    /** Any long, an edge value (0, ±1, the extremes, byte boundaries) one time in 8. */
    public long anyLong() {
        return oneIn(8) ? EDGE_LONGS[random.nextInt(EDGE_LONGS.length)] : random.nextLong();
    }

    /** One of {@code values}. */
    public <T> T oneOf(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** A length in {@code [min, max]}, the bounds themselves one time in 16 each. */
    private int length(int min, int max) {
        int dice = random.nextInt(16);
        return dice == 0 ? min : dice == 1 ? max : between(min, max);
    }

    /** Arbitrary bytes, at most {@code maxLength} of them. */
    public byte[] bytes(int maxLength) {
        byte[] out = new byte[length(0, maxLength)];
        random.nextBytes(out);
        return out;
    }

    /** Text of {@code minLength..maxLength} chars of the Basic Multilingual Plane, no surrogates. */
    public String text(int minLength, int maxLength) {
        int n = length(minLength, maxLength);
        StringBuilder out = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int c = oneIn(2) ? random.nextInt(0x80) : random.nextInt(0xd800 + 0x2000);
            out.append((char) (c < 0xd800 ? c : c + 0x800));
        }
        return out.toString();
    }

    /** Up to {@code maxCuts} piece lengths in {@code [1, maxPiece]}: where to cut an input. */
    public List<Integer> cuts(int maxCuts, int maxPiece) {
        int n = length(0, maxCuts);
        List<Integer> cuts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            cuts.add(between(1, maxPiece));
        }
        return cuts;
    }

    /** A copy of {@code seed} with 1..{@code maxMutations} mutations, snippets from {@code dictionary}. */
    public byte[] mutant(byte[] seed, int maxMutations, List<String> dictionary) {
        byte[] out = seed;
        for (int i = between(1, maxMutations); i > 0; i--) {
            out = apply(
                    out,
                    new Mutation(
                            random.nextInt(9),
                            random.nextInt(Integer.MAX_VALUE),
                            between(1, 64),
                            random.nextInt(Integer.MAX_VALUE)),
                    dictionary);
        }
        return out;
    }

    /** One mutation: what to do, where (scaled to the input), and with what. */
    record Mutation(int kind, int where, int length, int value) {}

    static byte[] apply(byte[] in, Mutation m, List<String> dictionary) {
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
                if (dictionary.isEmpty()) {
                    return in;
                }
                byte[] snippet = dictionary.get(m.value() % dictionary.size()).getBytes(StandardCharsets.ISO_8859_1);
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

    /** Concatenates byte arrays. */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static String show(Object input) {
        if (input instanceof byte[] bytes) {
            return bytes.length + " bytes " + HexFormat.of().formatHex(bytes);
        }
        return String.valueOf(input);
    }
}
