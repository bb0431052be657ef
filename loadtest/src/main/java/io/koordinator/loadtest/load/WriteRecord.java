package io.koordinator.loadtest.load;

/**
 * One write the load generator sent, with what it learned about it.
 *
 * @param op {@link Operation#APPEND}, {@link Operation#PUT} or {@link Operation#DELETE}
 * @param key the key written
 * @param token for APPEND and PUT the unique token written ({@code <run>.<client>.<seq>;}); for
 *     DELETE a unique label of the request
 * @param target index of the target it was sent to
 * @param sentNanos {@link System#nanoTime()} before sending
 * @param doneNanos {@link System#nanoTime()} when the response (or failure) arrived
 * @param outcome acknowledged, rejected or unknown
 * @param status HTTP status, or 0 if none arrived
 * @param responseLength for an acknowledged APPEND the length of the returned value (the key's
 *     new value), else -1
 * @param responseHash for an acknowledged APPEND {@link #hash(CharSequence, int)} of the returned
 *     value, else 0
 */
public record WriteRecord(
        Operation op,
        String key,
        String token,
        int target,
        long sentNanos,
        long doneNanos,
        Outcome outcome,
        int status,
        int responseLength,
        long responseHash) {

    public enum Outcome {
        /** The app applied it: 2xx, or 404 "absent" for a DELETE. Must be in the final state. */
        ACKNOWLEDGED,
        /** 4xx from the app: not applied, must not show up. */
        REJECTED,
        /** 5xx, timeout or connection failure: may or may not have been applied. */
        UNKNOWN
    }

    public boolean acknowledged() {
        return outcome == Outcome.ACKNOWLEDGED;
    }

    /** 64-bit FNV-1a over the first {@code length} chars of {@code s}. */
    public static long hash(CharSequence s, int length) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < length; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
