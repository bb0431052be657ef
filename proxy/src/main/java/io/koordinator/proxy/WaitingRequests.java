package io.koordinator.proxy;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ordered requests parked at their origin until the delivery loop reaches their command: the
 * ordering filter parks, the delivery loop claims. A request leaves when it is claimed, answered
 * otherwise (timeout, local reply), or when its connection drops.
 *
 * <p>Thread-safe: parked on downstream event loops, claimed on the follower thread.
 */
final class WaitingRequests {
    // logged beside the recovery decisions, under the logger name operators filter on
    private static final Logger log = LoggerFactory.getLogger(ReplicaControl.class);

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

    /**
     * Answers every waiting request whose command was appended at or before {@code position} with
     * 504 {@code outcome_unknown} naming its position: a follower that starts after {@code
     * position} never claims them (their replica took the group's state past them). A request
     * whose append has not returned yet keeps waiting for its timeout. Returns how many were
     * answered, and logs them under {@code logId}.
     */
    int answerAppendedUpTo(long position, String logId) {
        int answered = 0;
        for (Map.Entry<RequestId, ResponseSlot> e : waiting.entrySet()) {
            long at = e.getValue().appendedAt;
            if (at != Positions.NONE && at <= position && waiting.remove(e.getKey(), e.getValue())) {
                e.getValue().complete(LocalReplies.appliedWithoutResponse(at));
                answered++;
            }
        }
        if (answered > 0) {
            log.info(
                    "{} answered {} waiting requests applied up to {}: their response is unknown here",
                    logId,
                    answered,
                    Positions.format(position));
        }
        return answered;
    }

    int size() {
        return waiting.size();
    }
}
