package io.koordinator.proxy;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's state: one {@link ReplicaState} and why, in one {@link AtomicReference}, changed
 * only by {@link #transition}, which logs and counts every change.
 *
 * <p>Thread-safe: read anywhere; transitions come from the control thread, the delivery thread
 * and the lifecycle.
 */
final class Replica {
    private static final Logger log = LoggerFactory.getLogger(Replica.class);

    /** The state, why it was entered, and when (wall clock, milliseconds). */
    record Status(ReplicaState state, String reason, long sinceMillis) {}

    private final String logId;
    private final ProxyMetrics metrics;
    private final AtomicReference<Status> status;

    Replica(String logId, ProxyMetrics metrics) {
        this.logId = logId;
        this.metrics = metrics;
        this.status = new AtomicReference<>(new Status(ReplicaState.STARTING, "starting", System.currentTimeMillis()));
        metrics.replicaState(ReplicaState.STARTING);
    }

    Status status() {
        return status.get();
    }

    ReplicaState state() {
        return status.get().state();
    }

    /**
     * Moves to {@code to} for {@code reason}. DRAINING is final: no transition leaves it. Returns
     * false (and changes nothing) from DRAINING, or when already in {@code to} for the same reason.
     */
    boolean transition(ReplicaState to, String reason) {
        while (true) {
            Status current = status.get();
            if (current.state() == ReplicaState.DRAINING && to != ReplicaState.DRAINING) {
                return false;
            }
            if (current.state() == to && current.reason().equals(reason)) {
                return false;
            }
            Status next = new Status(to, reason, System.currentTimeMillis());
            if (status.compareAndSet(current, next)) {
                if (current.state() != to) {
                    metrics.replicaTransition(to);
                }
                metrics.replicaState(to);
                if (to == ReplicaState.STOPPED || to == ReplicaState.QUARANTINED) {
                    log.error("{} {} -> {}: {}", logId, current.state(), to, reason);
                } else {
                    log.info("{} {} -> {}: {}", logId, current.state(), to, reason);
                }
                return true;
            }
        }
    }

    /** Moves to {@code to} only from {@code from}; false if the state was another one. */
    boolean transition(ReplicaState from, ReplicaState to, String reason) {
        Status current = status.get();
        if (current.state() != from) {
            return false;
        }
        return transition(to, reason);
    }
}
