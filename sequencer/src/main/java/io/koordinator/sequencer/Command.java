package io.koordinator.sequencer;

import java.util.Objects;

/**
 * One client request as the log carries it. The sequencer treats {@link #payload()} as opaque
 * bytes (the proxy puts an encoded HTTP request there).
 *
 * @param requestId unique id, the first key of deduplication
 * @param originTimeMillis the origin's wall clock when it accepted the request; also the clock
 *     of the dedup window, so the window is derived from the log alone
 * @param idempotencyKey the client's {@code Idempotency-Key}, or {@code null}; the second key
 *     of deduplication
 * @param payload opaque bytes, never {@code null}
 */
public record Command(RequestId requestId, long originTimeMillis, String idempotencyKey, byte[] payload) {
    public Command {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(payload, "payload");
    }

    /** Bytes this command takes in an entry, roughly; used to bound entry size. */
    public int sizeEstimate() {
        return payload.length
                + requestId.origin().length()
                + (idempotencyKey == null ? 0 : idempotencyKey.length())
                + 32;
    }
}
