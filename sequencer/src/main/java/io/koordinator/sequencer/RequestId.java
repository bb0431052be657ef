package io.koordinator.sequencer;

import java.util.Objects;

/**
 * Identity of one client request: the origin replica's id and the origin's own counter. Unique
 * per group as long as replica ids are unique (pod names are) and the counter never repeats for
 * one origin (it starts from the wall clock in microseconds at process start, then increments).
 */
public record RequestId(String origin, long counter) {
    public RequestId {
        Objects.requireNonNull(origin, "origin");
        if (origin.isEmpty()) {
            throw new IllegalArgumentException("origin is empty");
        }
    }

    /** {@code origin-counter}, the form used in the {@code X-Koordinator-Request-Id} header. */
    @Override
    public String toString() {
        return origin + "-" + counter;
    }
}
