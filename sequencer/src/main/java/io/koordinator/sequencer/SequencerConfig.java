package io.koordinator.sequencer;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one group's sequencer. Immutable; {@link #defaults(String, String, String)} gives
 * the defaults, {@code with...} methods change one value.
 *
 * @param connectString ZooKeeper connect string, e.g. {@code zk-0:2181,zk-1:2181,zk-2:2181}
 * @param root root path of all groups, default {@code /koordinator/groups}
 * @param group group name ({@code <namespace>.<name>} on Kubernetes); one path segment
 * @param replicaId this replica's id, the origin of its commands
 * @param maxAppendsInFlight entries being created at once, default 4
 * @param maxEntryBytes upper bound of one entry's encoded size, default 512 KiB (ZooKeeper's
 *     packet limit is 1 MiB)
 * @param maxEntryCommands upper bound of commands in one entry, default 4096 (at most {@link
 *     Positions#MAX_INDEX} + 1)
 * @param maxBatchDelay how long a command may wait for others to join its entry when no append
 *     is in flight, default 0 (adaptive batching only)
 * @param dedupWindow how long (in the log's own origin-time clock) request ids and idempotency
 *     keys are remembered, default 10 minutes
 * @param segmentRollover sequence number at which the log rolls over to a new segment, default
 *     2,000,000,000 (ZooKeeper's counter is a signed 32-bit int); tests set it low
 * @param sessionTimeout ZooKeeper session timeout, default 15 s
 * @param connectionTimeout ZooKeeper connection timeout, default 5 s
 */
public record SequencerConfig(
        String connectString,
        String root,
        String group,
        String replicaId,
        int maxAppendsInFlight,
        int maxEntryBytes,
        int maxEntryCommands,
        Duration maxBatchDelay,
        Duration dedupWindow,
        long segmentRollover,
        Duration sessionTimeout,
        Duration connectionTimeout) {

    public static final String DEFAULT_ROOT = "/koordinator/groups";

    public SequencerConfig {
        Objects.requireNonNull(connectString, "connectString");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(replicaId, "replicaId");
        Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
        Objects.requireNonNull(dedupWindow, "dedupWindow");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(connectionTimeout, "connectionTimeout");
        if (!root.startsWith("/") || root.endsWith("/")) {
            throw new IllegalArgumentException("root must start with '/' and not end with '/': " + root);
        }
        if (group.isEmpty() || group.contains("/")) {
            throw new IllegalArgumentException("group must be one non-empty path segment: " + group);
        }
        if (replicaId.isEmpty() || replicaId.contains("/")) {
            throw new IllegalArgumentException("replicaId must be one non-empty path segment: " + replicaId);
        }
        if (maxAppendsInFlight < 1) {
            throw new IllegalArgumentException("maxAppendsInFlight must be >= 1: " + maxAppendsInFlight);
        }
        if (maxEntryBytes < 1024 || maxEntryBytes > 1_000_000) {
            throw new IllegalArgumentException("maxEntryBytes must be in [1024, 1000000]: " + maxEntryBytes);
        }
        if (maxEntryCommands < 1 || maxEntryCommands > Positions.MAX_INDEX + 1) {
            throw new IllegalArgumentException(
                    "maxEntryCommands must be in [1, " + (Positions.MAX_INDEX + 1) + "]: " + maxEntryCommands);
        }
        if (maxBatchDelay.isNegative()) {
            throw new IllegalArgumentException("maxBatchDelay must not be negative: " + maxBatchDelay);
        }
        if (segmentRollover < 2 || segmentRollover > Positions.MAX_SEQUENCE) {
            throw new IllegalArgumentException("segmentRollover must be in [2, 2^31-1]: " + segmentRollover);
        }
    }

    public static SequencerConfig defaults(String connectString, String group, String replicaId) {
        return new SequencerConfig(
                connectString,
                DEFAULT_ROOT,
                group,
                replicaId,
                4,
                512 * 1024,
                4096,
                Duration.ZERO,
                Duration.ofMinutes(10),
                2_000_000_000L,
                Duration.ofSeconds(15),
                Duration.ofSeconds(5));
    }

    /** ZooKeeper path of this group: {@code <root>/<group>}. */
    public String groupPath() {
        return root + "/" + group;
    }

    public SequencerConfig withRoot(String v) {
        return new SequencerConfig(
                connectString,
                v,
                group,
                replicaId,
                maxAppendsInFlight,
                maxEntryBytes,
                maxEntryCommands,
                maxBatchDelay,
                dedupWindow,
                segmentRollover,
                sessionTimeout,
                connectionTimeout);
    }

    public SequencerConfig withBatching(int appendsInFlight, int entryBytes, int entryCommands, Duration batchDelay) {
        return new SequencerConfig(
                connectString,
                root,
                group,
                replicaId,
                appendsInFlight,
                entryBytes,
                entryCommands,
                batchDelay,
                dedupWindow,
                segmentRollover,
                sessionTimeout,
                connectionTimeout);
    }

    public SequencerConfig withDedupWindow(Duration v) {
        return new SequencerConfig(
                connectString,
                root,
                group,
                replicaId,
                maxAppendsInFlight,
                maxEntryBytes,
                maxEntryCommands,
                maxBatchDelay,
                v,
                segmentRollover,
                sessionTimeout,
                connectionTimeout);
    }

    public SequencerConfig withSegmentRollover(long v) {
        return new SequencerConfig(
                connectString,
                root,
                group,
                replicaId,
                maxAppendsInFlight,
                maxEntryBytes,
                maxEntryCommands,
                maxBatchDelay,
                dedupWindow,
                v,
                sessionTimeout,
                connectionTimeout);
    }

    public SequencerConfig withTimeouts(Duration session, Duration connection) {
        return new SequencerConfig(
                connectString,
                root,
                group,
                replicaId,
                maxAppendsInFlight,
                maxEntryBytes,
                maxEntryCommands,
                maxBatchDelay,
                dedupWindow,
                segmentRollover,
                session,
                connection);
    }

    public SequencerConfig withReplicaId(String v) {
        return new SequencerConfig(
                connectString,
                root,
                group,
                v,
                maxAppendsInFlight,
                maxEntryBytes,
                maxEntryCommands,
                maxBatchDelay,
                dedupWindow,
                segmentRollover,
                sessionTimeout,
                connectionTimeout);
    }
}
