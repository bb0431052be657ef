package io.koordinator.proxy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recovery part of {@code /status}: the replica's checkpoint and local snapshot, its log
 * archive and the last divergence found, as {@link ReplicaControl} holds them.
 */
final class RecoveryStatus {
    private RecoveryStatus() {}

    /** Puts {@code checkpoint}, and {@code archive} and {@code divergence} where there are any, into {@code s}. */
    static void describe(ReplicaControl c, boolean snapshotEndpoints, Map<String, Object> s) {
        Map<String, Object> checkpoint = new LinkedHashMap<>();
        checkpoint.put("stateDir", c.store().directory().toString());
        checkpoint.put("writtenPosition", c.store().writtenPosition());
        checkpoint.put("durablePosition", c.store().durablePosition());
        checkpoint.put("appIncarnation", c.appIncarnation());
        if (snapshotEndpoints) {
            checkpoint.put("localSnapshotPosition", c.localSnapshotPosition());
        }
        c.ledger().ifPresent(l -> {
            checkpoint.put("delivered", l.deliveredCount());
            checkpoint.put("digest", l.digest().hex());
            checkpoint.put("cachedResponses", l.cachedResponses());
            l.latestPublished().ifPresent(p -> {
                checkpoint.put("publishedDigestPosition", p.position());
                checkpoint.put("publishedDigest", p.digest().hex());
            });
        });
        s.put("checkpoint", checkpoint);
        c.store()
                .archiveSummary()
                .ifPresent(a -> s.put(
                        "archive", Map.of("base", a.base(), "end", a.end(), "bytes", a.bytes(), "full", a.full())));
        c.divergence()
                .last()
                .ifPresent(m -> s.put(
                        "divergence",
                        Map.of(
                                "position",
                                m.position(),
                                "peer",
                                m.peer(),
                                "mine",
                                m.mine(),
                                "theirs",
                                m.theirs(),
                                "minority",
                                m.minority())));
    }
}
