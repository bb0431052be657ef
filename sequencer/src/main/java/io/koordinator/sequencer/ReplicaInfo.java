package io.koordinator.sequencer;

/**
 * What a replica publishes about itself under {@code replicas/<replica-id>}.
 *
 * @param replicaId the replica's id (the pod name on Kubernetes)
 * @param address {@code host:adminPort} where peers reach its admin port
 * @param appliedPosition last applied command position, or {@link Positions#NONE}
 * @param ready whether its readiness probe currently passes
 */
public record ReplicaInfo(String replicaId, String address, long appliedPosition, boolean ready) {}
