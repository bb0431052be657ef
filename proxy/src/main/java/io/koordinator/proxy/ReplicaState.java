package io.koordinator.proxy;

/**
 * Where a replica is in its life. Exactly one at a time, held by {@link Replica}; readiness,
 * {@code /status}, the ordering filter's refusal and the metrics are derived from it.
 *
 * <pre>
 *   STARTING ──► CATCHING_UP ──► DELIVERING ──► DRAINING
 *      │   ▲          ▲    │          │
 *      │   │          │    ▼          ▼
 *      │   └── WAITING_FOR_APP    TRANSFERRING ◄── QUARANTINED
 *      ▼                               │
 *   STOPPED ◄──────────────────────────┘ (no automatic recovery possible)
 * </pre>
 */
public enum ReplicaState {
    /** Loading the checkpoint, connecting. Ordered requests are accepted (they wait); not ready. */
    STARTING(true),
    /**
     * The app is not listening (not started yet, or restarting). Ordered requests are accepted and
     * wait; nothing is delivered. Not ready.
     */
    WAITING_FOR_APP(true),
    /** Following the log, still behind it. Ordered requests are accepted; not ready. */
    CATCHING_UP(true),
    /** Following the log and caught up: the only ready state. */
    DELIVERING(true),
    /** Getting the app's state from a peer (snapshot) or rebuilding it from the log. Not ready. */
    TRANSFERRING(false),
    /** Diverged from the group; out of service until re-synced. Not ready. */
    QUARANTINED(false),
    /** Out of service: no automatic recovery is possible; the reason says what an operator must do. */
    STOPPED(false),
    /** Shutting down. Not ready. */
    DRAINING(false);

    private final boolean accepting;

    ReplicaState(boolean accepting) {
        this.accepting = accepting;
    }

    /** Whether ordered requests are appended in this state (otherwise they get 503, not written). */
    public boolean acceptsOrdered() {
        return accepting;
    }
}
