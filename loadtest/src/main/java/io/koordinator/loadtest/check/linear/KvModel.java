package io.koordinator.loadtest.check.linear;

/**
 * The sequential specification of one key of the kv app: absent, or a string; {@code PUT}
 * replaces it, {@code POST …/append} appends to it (an absent key counts as empty), {@code DELETE}
 * makes it absent, {@code GET} returns it (404 when absent). This is {@code KvStore}'s behaviour.
 *
 * <p>A state keeps the value's length and a polynomial hash modulo the Mersenne prime 2^61 - 1,
 * not the value: an append key's value grows with every append, and the search keeps many states.
 * The hash composes under appending ({@code h(s + t) = h(s) * B^|t| + h(t)}), so a step costs
 * O(|token|), not O(|value|). Two different values of the same length collide with probability
 * below |value| / 2^61.
 */
public final class KvModel {
    private static final long P = (1L << 61) - 1;
    private static final long B = 1_000_003L;

    /** The absent key. */
    public static final State ABSENT = new State(false, 0, 0);

    private KvModel() {}

    /**
     * A key's state.
     *
     * @param present false when absent
     * @param length the value's length in chars
     * @param hash the value's hash
     */
    public record State(boolean present, int length, long hash) {}

    /** The state holding {@code value}, or {@link #ABSENT} for null. */
    public static State of(String value) {
        return value == null ? ABSENT : new State(true, value.length(), hash(value));
    }

    /**
     * The state after {@code op} in {@code s}, or null if {@code op} cannot happen in {@code s}
     * (a read that returned something else, an append that returned something else).
     */
    public static State step(State s, HistoryOp op) {
        return step(s, op, observed(op));
    }

    /**
     * What {@code op} observed as a state: for an ok read the value read, for an ok append the
     * value returned; null when it observed nothing.
     */
    static State observed(HistoryOp op) {
        if (op.outcome() != HistoryOp.Outcome.OK) {
            return null;
        }
        return switch (op.kind()) {
            case READ -> of(op.result());
            case APPEND -> op.result() == null ? null : of(op.result());
            default -> null;
        };
    }

    /** {@link #step(State, HistoryOp)} with {@code observed} computed once ({@link #observed}). */
    static State step(State s, HistoryOp op, State observed) {
        switch (op.kind()) {
            case READ:
                return observed == null || s.equals(observed) ? s : null;
            case WRITE:
                return of(op.value());
            case DELETE:
                return ABSENT;
            case APPEND:
                State next = appended(s, op.value());
                return observed == null || next.equals(observed) ? next : null;
            default:
                throw new IllegalArgumentException("unknown kind " + op.kind());
        }
    }

    private static State appended(State s, String suffix) {
        long h = add(mul(s.hash(), pow(suffix.length())), hash(suffix));
        return new State(true, s.length() + suffix.length(), h);
    }

    static long hash(String s) {
        long h = 0;
        for (int i = 0; i < s.length(); i++) {
            h = add(mul(h, B), s.charAt(i) + 1);
        }
        return h;
    }

    private static long pow(int e) {
        long result = 1;
        long base = B;
        for (int k = e; k > 0; k >>= 1) {
            if ((k & 1) != 0) {
                result = mul(result, base);
            }
            base = mul(base, base);
        }
        return result;
    }

    private static long add(long a, long b) {
        long s = a + b;
        return s >= P ? s - P : s;
    }

    /** {@code a * b mod (2^61 - 1)} for {@code a, b < 2^61}. */
    private static long mul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        // a * b = hi * 2^64 + lo (unsigned lo); 2^64 = 8 * 2^61 = 8 (mod P).
        long low61 = lo & P;
        long rest = (lo >>> 61) | (hi << 3);
        long r = low61 + rest;
        r = (r & P) + (r >>> 61);
        return r >= P ? r - P : r;
    }
}
