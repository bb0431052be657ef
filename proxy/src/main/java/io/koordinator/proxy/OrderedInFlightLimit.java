package io.koordinator.proxy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cap on ordered requests in flight on this replica ({@code --max-ordered-in-flight}) and on
 * their body bytes ({@code --max-ordered-in-flight-bytes}). A request holds its share from the
 * step in front of the ordered path until it is answered or its client goes away; past either cap
 * a new ordered request gets 503 with {@code Retry-After} at once and is neither appended nor
 * held. This bounds what the origin keeps for waiting clients (their commands and response slots)
 * whatever the load; pass-through requests do not count.
 *
 * <p>Threading: {@link #tryAcquire} on the event loops, {@link #release} on whichever thread
 * answers the request; both lock-free.
 */
final class OrderedInFlightLimit {
    private final int maxRequests;
    private final long maxBytes;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    OrderedInFlightLimit(int maxRequests, long maxBytes) {
        if (maxRequests < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("caps must be positive: " + maxRequests + ", " + maxBytes);
        }
        this.maxRequests = maxRequests;
        this.maxBytes = maxBytes;
    }

    /**
     * Takes one request of {@code bodyBytes}; returns {@code null} if it fits, else why not (and
     * takes nothing). Every success must be followed by exactly one {@link #release} of the same size.
     */
    String tryAcquire(int bodyBytes) {
        if (requests.incrementAndGet() > maxRequests) {
            requests.decrementAndGet();
            return maxRequests + " ordered requests are in flight on this replica, the most --max-ordered-in-flight"
                    + " allows";
        }
        if (bytes.addAndGet(bodyBytes) > maxBytes) {
            bytes.addAndGet(-bodyBytes);
            requests.decrementAndGet();
            return "ordered requests in flight on this replica hold more than " + maxBytes
                    + " body bytes, the most --max-ordered-in-flight-bytes allows";
        }
        return null;
    }

    void release(int bodyBytes) {
        bytes.addAndGet(-bodyBytes);
        requests.decrementAndGet();
    }

    int requests() {
        return requests.get();
    }

    long bytes() {
        return bytes.get();
    }
}
