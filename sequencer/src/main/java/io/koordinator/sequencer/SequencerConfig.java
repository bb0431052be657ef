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
 * @param maxAppendsInFlight entries being created at once, default 4; beyond the first, only full
 *     ones (by {@code maxEntryCommands} or {@code maxEntryBytes}): partial entries go one at a time
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
 * @param compactionInterval how often the group's compaction leader moves the floor and deletes
 *     entries below it, default 1 s; {@link Duration#ZERO} disables compaction on this replica
 * @param compactionRetainEntries entries kept below the lowest durable position of the live
 *     replicas, default 10,000
 * @param compactionRetainAge entries younger than this (by their znode's creation time) are kept,
 *     default 0 (no age bound)
 * @param credentials the group's ZooKeeper digest credentials, or {@code null} (default): without
 *     them the group's subtree is created open to every client (see {@link ZkCredentials})
 * @param tls TLS to ZooKeeper's secure client port, or {@code null} (default): plain TCP (see
 *     {@link ZkTls})
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
        Duration connectionTimeout,
        Duration compactionInterval,
        long compactionRetainEntries,
        Duration compactionRetainAge,
        ZkCredentials credentials,
        ZkTls tls) {

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
        Objects.requireNonNull(compactionInterval, "compactionInterval");
        Objects.requireNonNull(compactionRetainAge, "compactionRetainAge");
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
        if (compactionInterval.isNegative()) {
            throw new IllegalArgumentException("compactionInterval must not be negative: " + compactionInterval);
        }
        if (compactionRetainEntries < 0) {
            throw new IllegalArgumentException("compactionRetainEntries must be >= 0: " + compactionRetainEntries);
        }
        if (compactionRetainAge.isNegative()) {
            throw new IllegalArgumentException("compactionRetainAge must not be negative: " + compactionRetainAge);
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
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                10_000,
                Duration.ZERO,
                null,
                null);
    }

    /** ZooKeeper path of this group: {@code <root>/<group>}. */
    public String groupPath() {
        return root + "/" + group;
    }

    public SequencerConfig withRoot(String v) {
        Copy c = new Copy(this);
        c.root = v;
        return c.build();
    }

    public SequencerConfig withBatching(int appendsInFlight, int entryBytes, int entryCommands, Duration batchDelay) {
        Copy c = new Copy(this);
        c.maxAppendsInFlight = appendsInFlight;
        c.maxEntryBytes = entryBytes;
        c.maxEntryCommands = entryCommands;
        c.maxBatchDelay = batchDelay;
        return c.build();
    }

    public SequencerConfig withDedupWindow(Duration v) {
        Copy c = new Copy(this);
        c.dedupWindow = v;
        return c.build();
    }

    public SequencerConfig withSegmentRollover(long v) {
        Copy c = new Copy(this);
        c.segmentRollover = v;
        return c.build();
    }

    public SequencerConfig withTimeouts(Duration session, Duration connection) {
        Copy c = new Copy(this);
        c.sessionTimeout = session;
        c.connectionTimeout = connection;
        return c.build();
    }

    public SequencerConfig withReplicaId(String v) {
        Copy c = new Copy(this);
        c.replicaId = v;
        return c.build();
    }

    /** Compaction settings: interval (0 disables), entries and age kept below the durable floor. */
    public SequencerConfig withCompaction(Duration interval, long retainEntries, Duration retainAge) {
        Copy c = new Copy(this);
        c.compactionInterval = interval;
        c.compactionRetainEntries = retainEntries;
        c.compactionRetainAge = retainAge;
        return c.build();
    }

    /** The group's ZooKeeper digest credentials; {@code null} leaves its subtree open. */
    public SequencerConfig withCredentials(ZkCredentials v) {
        Copy c = new Copy(this);
        c.credentials = v;
        return c.build();
    }

    /** TLS to ZooKeeper's secure client port; {@code null}: plain TCP. */
    public SequencerConfig withTls(ZkTls v) {
        Copy c = new Copy(this);
        c.tls = v;
        return c.build();
    }

    /** A mutable copy, so that each {@code with...} changes only its own values. */
    private static final class Copy {
        private final String connectString;
        private String root;
        private final String group;
        private String replicaId;
        private int maxAppendsInFlight;
        private int maxEntryBytes;
        private int maxEntryCommands;
        private Duration maxBatchDelay;
        private Duration dedupWindow;
        private long segmentRollover;
        private Duration sessionTimeout;
        private Duration connectionTimeout;
        private Duration compactionInterval;
        private long compactionRetainEntries;
        private Duration compactionRetainAge;
        private ZkCredentials credentials;
        private ZkTls tls;

        Copy(SequencerConfig c) {
            connectString = c.connectString;
            root = c.root;
            group = c.group;
            replicaId = c.replicaId;
            maxAppendsInFlight = c.maxAppendsInFlight;
            maxEntryBytes = c.maxEntryBytes;
            maxEntryCommands = c.maxEntryCommands;
            maxBatchDelay = c.maxBatchDelay;
            dedupWindow = c.dedupWindow;
            segmentRollover = c.segmentRollover;
            sessionTimeout = c.sessionTimeout;
            connectionTimeout = c.connectionTimeout;
            compactionInterval = c.compactionInterval;
            compactionRetainEntries = c.compactionRetainEntries;
            compactionRetainAge = c.compactionRetainAge;
            credentials = c.credentials;
            tls = c.tls;
        }

        SequencerConfig build() {
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
                    sessionTimeout,
                    connectionTimeout,
                    compactionInterval,
                    compactionRetainEntries,
                    compactionRetainAge,
                    credentials,
                    tls);
        }
    }
}
