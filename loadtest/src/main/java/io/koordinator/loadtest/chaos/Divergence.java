package io.koordinator.loadtest.chaos;

import io.koordinator.loadtest.chaos.ReplicaSampler.Sample;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the samples in which a replica was ready while its app's state had diverged.
 *
 * <p>Every write has a position, the same on every replica, so on replicas that agree the number
 * of writes applied is one non-decreasing function of the last position applied, and the digest
 * at a position is the same. A sample conflicts with another replica's sample when they break
 * that: the same last position with another count or digest, or a higher position with fewer
 * writes. A ready sample is diverged when it conflicts with every other replica (so a healthy
 * replica is not blamed for a broken one), or when its app saw a position twice (a replay).
 */
final class Divergence {
    private static final int SHOWN_PER_REPLICA = 2;

    private Divergence() {}

    /** One line per replica that was ready while diverged (with its first samples and their count). */
    static List<String> readyWhileDiverged(List<Sample> samples, int replicas, long originNanos) {
        Map<Integer, List<String>> byReplica = new LinkedHashMap<>();
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (Sample s : samples) {
            if (!s.ready() || !s.appUp()) {
                continue;
            }
            String why = why(s, samples, replicas);
            if (why == null) {
                continue;
            }
            counts.merge(s.replica(), 1, Integer::sum);
            List<String> shown = byReplica.computeIfAbsent(s.replica(), r -> new ArrayList<>());
            if (shown.size() < SHOWN_PER_REPLICA) {
                shown.add(String.format("at %.1f s %s", (s.nanos() - originNanos) / 1e9, why));
            }
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> e : byReplica.entrySet()) {
            problems.add("replica-" + (e.getKey() + 1) + " was ready while diverged in " + counts.get(e.getKey())
                    + " samples, first " + String.join("; ", e.getValue()));
        }
        return problems;
    }

    private static String why(Sample s, List<Sample> samples, int replicas) {
        if (s.outOfOrder() > 0) {
            return "its app had applied " + s.outOfOrder() + " writes at a position it had already passed";
        }
        Set<Integer> conflicting = new HashSet<>();
        Sample example = null;
        Set<Integer> others = new HashSet<>();
        for (Sample t : samples) {
            if (t.replica() == s.replica() || !t.appUp()) {
                continue;
            }
            others.add(t.replica());
            if (conflicts(s, t)) {
                conflicting.add(t.replica());
                example = example == null ? t : example;
            }
        }
        if (example == null || conflicting.size() < Math.min(others.size(), replicas - 1)) {
            return null;
        }
        return "(" + s.applied() + " writes at position " + s.lastPosition() + ", replica-" + (example.replica() + 1)
                + " " + example.applied() + " at " + example.lastPosition() + ")";
    }

    static boolean conflicts(Sample s, Sample t) {
        if (s.lastPosition() == t.lastPosition()) {
            return s.applied() != t.applied() || !s.digest().equals(t.digest());
        }
        return s.lastPosition() < t.lastPosition() ? s.applied() > t.applied() : s.applied() < t.applied();
    }
}
