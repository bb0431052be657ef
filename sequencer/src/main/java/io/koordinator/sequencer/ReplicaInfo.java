package io.koordinator.sequencer;

/**
 * What a replica publishes about itself under {@code replicas/<replica-id>}.
 *
 * @param replicaId the replica's id (the pod name on Kubernetes)
 * @param address {@code host:adminPort} where peers reach its admin port
 * @param appliedPosition last applied command position, or {@link Positions#NONE}
 * @param durablePosition last position its durable checkpoint covers (compaction never deletes
 *     at or above the lowest one of the live replicas), or {@link Positions#NONE}
 * @param ready whether its readiness probe currently passes
 * @param state its replica state, for status pages ({@code DELIVERING}, {@code CATCHING_UP}, ...)
 * @param digestPosition the position of its latest published digest, or {@link Positions#NONE}
 * @param digest its state digest at {@code digestPosition} (hex), or empty
 */
public record ReplicaInfo(
        String replicaId,
        String address,
        long appliedPosition,
        long durablePosition,
        boolean ready,
        String state,
        long digestPosition,
        String digest) {

    /** A replica that has published only its address and readiness. */
    public static ReplicaInfo basic(String replicaId, String address, long appliedPosition, boolean ready) {
        return new ReplicaInfo(
                replicaId,
                address,
                appliedPosition,
                appliedPosition,
                ready,
                ready ? "DELIVERING" : "STARTING",
                Positions.NONE,
                "");
    }
}
