package io.koordinator.proxy;

import io.koordinator.proxy.state.StateDigest;
import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.Sequencer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares this replica's published digests with its peers': a different digest at the same
 * position is divergence. Each mismatch is logged once, counted ({@code
 * koordinator_divergence_total}) and shown in {@code /status}. When this replica is the minority
 * (at least two peers agree with each other and none with it), {@code onMinority} is told, which
 * re-syncs it if so configured.
 *
 * <p>Threading: {@link #maybeCheck} on the control thread; {@link #last} anywhere.
 */
final class DivergenceCheck {
    private static final Logger log = LoggerFactory.getLogger(DivergenceCheck.class);
    private static final long EVERY_NANOS = 1_000_000_000L;

    /** The latest mismatch seen. */
    record Mismatch(long position, String peer, String mine, String theirs, boolean minority) {}

    private final ProxyConfig config;
    private final Sequencer sequencer;
    private final ProxyMetrics metrics;
    private final Consumer<String> onMinority;
    private final Set<String> reported = new HashSet<>();
    private long lastCheckNanos;
    private volatile Mismatch last;

    DivergenceCheck(ProxyConfig config, Sequencer sequencer, ProxyMetrics metrics, Consumer<String> onMinority) {
        this.config = config;
        this.sequencer = sequencer;
        this.metrics = metrics;
        this.onMinority = onMinority;
    }

    Optional<Mismatch> last() {
        return Optional.ofNullable(last);
    }

    /** Compares with the peers' published digests, at most once a second. */
    void maybeCheck(ReplicaLedger ledger) {
        long now = System.nanoTime();
        if (now - lastCheckNanos < EVERY_NANOS) {
            return;
        }
        lastCheckNanos = now;
        List<ReplicaInfo> peers;
        try {
            peers = sequencer.replicas();
        } catch (Exception e) {
            return; // ZooKeeper unreachable: nothing to compare now
        }
        Map<Long, List<ReplicaInfo>> byPosition = new LinkedHashMap<>();
        for (ReplicaInfo p : peers) {
            if (!p.replicaId().equals(config.replicaId()) && p.digestPosition() != Positions.NONE) {
                byPosition
                        .computeIfAbsent(p.digestPosition(), k -> new ArrayList<>())
                        .add(p);
            }
        }
        for (Map.Entry<Long, List<ReplicaInfo>> e : byPosition.entrySet()) {
            Optional<StateDigest> mine = ledger.publishedAt(e.getKey());
            if (mine.isEmpty()) {
                continue;
            }
            String hex = mine.get().hex();
            List<ReplicaInfo> differing =
                    e.getValue().stream().filter(p -> !p.digest().equals(hex)).toList();
            if (differing.isEmpty()) {
                continue;
            }
            boolean agreeing = e.getValue().size() > differing.size();
            boolean minority = !agreeing
                    && differing.size() >= 2
                    && differing.stream().map(ReplicaInfo::digest).distinct().count() == 1;
            for (ReplicaInfo p : differing) {
                if (reported.add(p.replicaId() + "@" + e.getKey())) {
                    metrics.divergence();
                    last = new Mismatch(e.getKey(), p.replicaId(), hex, p.digest(), minority);
                    log.error(
                            "{} diverged from {} at {}: digest {} here, {} there{}",
                            config.logId(),
                            p.replicaId(),
                            Positions.format(e.getKey()),
                            hex.substring(0, 16),
                            p.digest().length() >= 16 ? p.digest().substring(0, 16) : p.digest(),
                            minority ? " (this replica is the minority)" : "");
                }
            }
            if (minority) {
                onMinority.accept("diverged from " + differing.size() + " peers at " + Positions.format(e.getKey()));
                return;
            }
        }
    }
}
