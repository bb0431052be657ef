package io.koordinator.sequencer.zk;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.SequencerConfig;

/**
 * Paths of one group's subtree:
 *
 * <pre>
 *   &lt;groupPath&gt;/log/&lt;segment&gt;/e-&lt;seq&gt;   entries (PERSISTENT_SEQUENTIAL), nothing else
 *   &lt;groupPath&gt;/replicas/&lt;replica-id&gt;   ephemeral, the replica's published state
 *   &lt;groupPath&gt;/floor                  the compaction floor (persistent, only rises)
 *   &lt;groupPath&gt;/leader/...              the compaction leader's latch
 * </pre>
 *
 * Segment names and sequence suffixes are zero-padded to 10 digits, so names sort as numbers.
 */
final class ZkLayout {
    static final String ENTRY_PREFIX = "e-";

    private final String logPath;
    private final String replicasPath;
    private final String floorPath;
    private final String leaderPath;

    ZkLayout(SequencerConfig config) {
        this.logPath = config.groupPath() + "/log";
        this.replicasPath = config.groupPath() + "/replicas";
        this.floorPath = config.groupPath() + "/floor";
        this.leaderPath = config.groupPath() + "/leader";
    }

    /** The compaction floor's node; outside {@code log/}, whose children are segments only. */
    String floorPath() {
        return floorPath;
    }

    /** The compaction leader's latch. */
    String leaderPath() {
        return leaderPath;
    }

    String logPath() {
        return logPath;
    }

    String replicasPath() {
        return replicasPath;
    }

    String replicaPath(String replicaId) {
        return replicasPath + "/" + replicaId;
    }

    String segmentPath(int segment) {
        return logPath + "/" + tenDigits(segment);
    }

    /** The path to create a sequential entry at (ZooKeeper appends the sequence suffix). */
    String entryPrefix(int segment) {
        return segmentPath(segment) + "/" + ENTRY_PREFIX;
    }

    String entryPath(int segment, long sequence) {
        return entryPrefix(segment) + tenDigits(sequence);
    }

    /**
     * {@code n} zero-padded to ten digits, as ZooKeeper names sequential nodes; {@code
     * String.format("%010d")} without its parsing, which showed in the follower's profile (a path
     * is built for every entry read).
     */
    static String tenDigits(long n) {
        if (n < 0) {
            return String.format("%010d", n);
        }
        String digits = Long.toString(n);
        return digits.length() >= 10 ? digits : "0000000000".substring(digits.length()) + digits;
    }

    /** The segment named {@code name} (a child of {@code log/}), or -1 if it is not a segment name. */
    static int parseSegment(String name) {
        if (name.length() != 10) {
            return -1;
        }
        try {
            long segment = Long.parseLong(name);
            return segment >= 0 && segment <= Positions.MAX_SEGMENT ? (int) segment : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The sequence of an entry node's path or name ({@code ...e-0000000042}), or -1. */
    static long parseSequence(String pathOrName) {
        int at = pathOrName.lastIndexOf('/') + 1;
        if (!pathOrName.startsWith(ENTRY_PREFIX, at) || pathOrName.length() - at - ENTRY_PREFIX.length() != 10) {
            return -1;
        }
        try {
            long sequence = Long.parseLong(pathOrName.substring(at + ENTRY_PREFIX.length()));
            return sequence >= 0 && sequence <= Positions.MAX_SEQUENCE ? sequence : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The entry position named by a full entry path under this log, or {@link Positions#NONE}. */
    long parseEntryPosition(String path) {
        if (path == null || !path.startsWith(logPath + "/")) {
            return Positions.NONE;
        }
        String rest = path.substring(logPath.length() + 1);
        int slash = rest.indexOf('/');
        if (slash < 0) {
            return Positions.NONE;
        }
        int segment = parseSegment(rest.substring(0, slash));
        long sequence = parseSequence(rest.substring(slash + 1));
        return segment < 0 || sequence < 0 ? Positions.NONE : Positions.entry(segment, sequence);
    }
}
