package io.koordinator.loadtest.cluster;

import tools.jackson.databind.JsonNode;

/**
 * The parts of a proxy's {@code /status} the load tools use.
 *
 * @param appliedPosition last position delivered to the app, -1 for none
 * @param tailSeen last position the follower saw in the log
 * @param lag entries seen but not yet delivered
 * @param ready the readiness verdict
 * @param ordered requests ordered by this replica as origin
 * @param delivered commands delivered to the app
 * @param state the replica's state ({@code DELIVERING}, {@code TRANSFERRING}, ...)
 * @param compactionFloor the group's compaction floor, -1 before the first compaction
 */
public record ReplicaStatus(
        long appliedPosition,
        long tailSeen,
        long lag,
        boolean ready,
        long ordered,
        long delivered,
        String state,
        long compactionFloor) {

    static ReplicaStatus of(JsonNode s) {
        JsonNode counts = s.path("counts");
        return new ReplicaStatus(
                s.path("appliedPosition").asLong(-1),
                s.path("tailSeen").asLong(-1),
                s.path("lag").asLong(0),
                s.path("ready").asBoolean(false),
                counts.path("ordered").asLong(0),
                counts.path("delivered").asLong(0),
                s.path("state").asString("?"),
                s.path("compactionFloor").asLong(-1));
    }
}
