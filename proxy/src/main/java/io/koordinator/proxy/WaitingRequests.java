package io.koordinator.proxy;

import io.koordinator.sequencer.RequestId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Ordered requests parked at their origin until the delivery loop reaches their command: the
 * ordering filter parks, the delivery loop claims. A request leaves when it is claimed, answered
 * otherwise (timeout, local reply), or when its connection drops.
 *
 * <p>Thread-safe: parked on downstream event loops, claimed on the follower thread.
 */
final class WaitingRequests {
    private final Map<RequestId, ResponseSlot> waiting = new ConcurrentHashMap<>();

    /** Parks {@code slot} under {@code id} until claimed or answered. */
    void park(RequestId id, ResponseSlot slot) {
        waiting.put(id, slot);
        slot.onCleanup(() -> waiting.remove(id, slot));
    }

    /** The waiting request of {@code id}, removed; {@code null} if none waits (answered or gone). */
    ResponseSlot claim(RequestId id) {
        return waiting.remove(id);
    }

    /** Answers every waiting request with a fresh reply from {@code reply}. */
    void failAll(Supplier<Reply> reply) {
        for (RequestId id : waiting.keySet()) {
            ResponseSlot slot = waiting.remove(id);
            if (slot != null) {
                slot.complete(reply.get());
            }
        }
    }

    int size() {
        return waiting.size();
    }
}
