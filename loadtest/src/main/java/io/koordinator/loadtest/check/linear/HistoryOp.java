package io.koordinator.loadtest.check.linear;

import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * One operation of a history: what a client asked, when, and what it learned.
 *
 * <p>An operation took effect, if at all, at one instant between {@code invokeNanos} and {@code
 * completeNanos}. For an {@link Outcome#UNKNOWN} operation the completion time is only when the
 * client gave up: it may still take effect at any later time, or never.
 *
 * @param process the client that ran it (informational: real time alone orders operations)
 * @param kind what it does
 * @param key the key
 * @param value for WRITE and APPEND the value sent; null otherwise
 * @param invokeNanos {@link System#nanoTime()} before the first byte was sent
 * @param completeNanos {@link System#nanoTime()} when the answer (or the giving up) came
 * @param outcome ok, fail (not applied) or unknown
 * @param result for an ok READ the value read, null when absent; for an ok APPEND the new value
 *     the app returned, null when the answer did not carry it (a retry that the proxy deduplicated);
 *     null otherwise
 * @param readPolicy for a READ the proxy's read policy that served it ({@code ordered}, {@code
 *     linearizable} or {@code local}), null when not recorded (taken as linearizable); null for
 *     writes. Local reads may be stale by design and are not checked.
 */
public record HistoryOp(
        String process,
        Kind kind,
        String key,
        String value,
        long invokeNanos,
        long completeNanos,
        Outcome outcome,
        String result,
        String readPolicy) {

    /** Read policies of the proxy, as recorded; only {@link #LOCAL} reads may be stale. */
    public static final String ORDERED = "ordered";

    public static final String LINEARIZABLE = "linearizable";
    public static final String LOCAL = "local";

    /** An operation without a recorded read policy. */
    public HistoryOp(
            String process,
            Kind kind,
            String key,
            String value,
            long invokeNanos,
            long completeNanos,
            Outcome outcome,
            String result) {
        this(process, kind, key, value, invokeNanos, completeNanos, outcome, result, null);
    }

    /** The operations of the kv app's model, with their names in the history file. */
    public enum Kind {
        /** {@code GET /kv/{key}}: the value or absent (404). */
        READ("read"),
        /** {@code PUT /kv/{key}}: the value becomes {@code value}. */
        WRITE("write"),
        /** {@code POST /kv/{key}/append}: {@code value} is appended (to the empty string if absent). */
        APPEND("append"),
        /** {@code DELETE /kv/{key}}: the key becomes absent. */
        DELETE("delete");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Kind ofWire(String s) {
            return byWire(values(), Kind::wire, s, "op");
        }
    }

    /** What the client knows about an operation. */
    public enum Outcome {
        /** It took effect between invocation and completion, and {@code result} is what it saw. */
        OK("ok"),
        /** It definitely did not take effect (4xx, 409 of a first attempt, 503 ordering_unavailable, refused connection). */
        FAIL("fail"),
        /** It may have taken effect at any time after invocation, or never (timeout, 504, reset, 502). */
        UNKNOWN("unknown");

        private final String wire;

        Outcome(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Outcome ofWire(String s) {
            return byWire(values(), Outcome::wire, s, "outcome");
        }
    }

    private static <E> E byWire(E[] all, Function<E, String> wire, String s, String what) {
        for (E e : all) {
            if (wire.apply(e).equals(s)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + what + ": " + s);
    }

    public HistoryOp {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(outcome, "outcome");
        if ((kind == Kind.WRITE || kind == Kind.APPEND) && value == null) {
            throw new IllegalArgumentException(kind.wire() + " needs a value");
        }
        if (readPolicy != null
                && (kind != Kind.READ || !Set.of(ORDERED, LINEARIZABLE, LOCAL).contains(readPolicy))) {
            throw new IllegalArgumentException("read policy " + readPolicy + " on " + kind.wire());
        }
        if (completeNanos < invokeNanos) {
            throw new IllegalArgumentException("completion " + completeNanos + " before invocation " + invokeNanos
                    + " of " + kind.wire() + " " + key);
        }
    }

    public static HistoryOp read(String process, String key, long invoke, long complete, Outcome outcome, String read) {
        return new HistoryOp(process, Kind.READ, key, null, invoke, complete, outcome, read);
    }

    /** A read served under {@code readPolicy} (see {@link #readPolicy()}). */
    public static HistoryOp read(
            String process, String key, long invoke, long complete, Outcome outcome, String read, String readPolicy) {
        return new HistoryOp(process, Kind.READ, key, null, invoke, complete, outcome, read, readPolicy);
    }

    /** A read that may be stale by design (policy {@code local}): not checked for linearizability. */
    public boolean isLocalRead() {
        return kind == Kind.READ && LOCAL.equals(readPolicy);
    }

    public static HistoryOp write(
            String process, String key, String value, long invoke, long complete, Outcome outcome) {
        return new HistoryOp(process, Kind.WRITE, key, value, invoke, complete, outcome, null);
    }

    public static HistoryOp append(
            String process, String key, String value, long invoke, long complete, Outcome outcome, String result) {
        return new HistoryOp(process, Kind.APPEND, key, value, invoke, complete, outcome, result);
    }

    public static HistoryOp delete(String process, String key, long invoke, long complete, Outcome outcome) {
        return new HistoryOp(process, Kind.DELETE, key, null, invoke, complete, outcome, null);
    }

    public boolean isWrite() {
        return kind != Kind.READ;
    }

    /** One line for reports: {@code read p-1 -> "x" ok [1.234 s, 1.250 s]} relative to {@code origin}. */
    public String describe(long originNanos) {
        StringBuilder sb = new StringBuilder()
                .append(process)
                .append(' ')
                .append(kind.wire())
                .append(' ')
                .append(key);
        if (value != null) {
            sb.append(' ').append(quote(value));
        }
        if (kind == Kind.READ || (kind == Kind.APPEND && result != null)) {
            sb.append(" -> ").append(result == null ? "absent" : quote(result));
        }
        if (readPolicy != null) {
            sb.append(" (").append(readPolicy).append(')');
        }
        sb.append(' ').append(outcome.wire());
        sb.append(String.format(
                " [%.3f s, %.3f s]", (invokeNanos - originNanos) / 1e9, (completeNanos - originNanos) / 1e9));
        return sb.toString();
    }

    private static String quote(String s) {
        return s.length() <= 40 ? "\"" + s + "\"" : "\"…" + s.substring(s.length() - 37) + "\"(" + s.length() + ")";
    }
}
