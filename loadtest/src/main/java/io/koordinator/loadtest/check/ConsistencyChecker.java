package io.koordinator.loadtest.check;

import io.koordinator.loadtest.load.Operation;
import io.koordinator.loadtest.load.WriteRecord;
import io.koordinator.loadtest.load.WriteRecord.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Verifies replicas after a load run. The rules, each exact because the workload keeps append
 * keys and register keys apart and every written token is unique:
 *
 * <ol>
 *   <li>Agreement: every replica has the same digest, applied count, {@code /applied} request id
 *       sequence and workload values; no replica saw a write whose position did not increase.
 *   <li>Exactly once: no request id appears twice in {@code /applied}; no token appears twice in
 *       an append key's value.
 *   <li>Append keys: every acknowledged append's token is in its key's final value; no rejected
 *       append's token is; every token present was sent by this run (or belongs to another run's
 *       prefix, which is ignored); the value an acknowledged append returned is a prefix of the
 *       final value (the key only grows); and real-time order holds: if append A was acknowledged
 *       before append B was sent, A's token comes before B's.
 *   <li>Register keys (PUT/DELETE only): the final value must be the effect of some write W (a
 *       PUT of that token, or a DELETE if absent) that is acknowledged or unknown, such that no
 *       acknowledged write on the key was sent after W was acknowledged (an unknown W never was).
 *       If no write of this run was acknowledged on the key, the initial (absent) state also
 *       qualifies.
 * </ol>
 */
public final class ConsistencyChecker {
    private ConsistencyChecker() {}

    /**
     * @param replicas states read after quiescence (all applied positions equal to the log tail)
     * @param writes every write of the run
     * @param runId the run's token prefix
     */
    public static CheckReport check(List<ReplicaState> replicas, List<WriteRecord> writes, String runId) {
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("no replicas to check");
        }
        List<String> problems = new ArrayList<>();
        ReplicaState first = replicas.get(0);
        boolean agree = agreement(replicas, problems);
        for (ReplicaState r : replicas) {
            if (r.outOfOrder() != 0) {
                problems.add(r.name() + " saw " + r.outOfOrder() + " writes out of position order");
            }
        }
        duplicateIds(first, problems);

        Map<String, List<WriteRecord>> byKey = new TreeMap<>();
        for (WriteRecord w : writes) {
            byKey.computeIfAbsent(w.key(), k -> new ArrayList<>()).add(w);
        }
        long checked = 0;
        for (Map.Entry<String, List<WriteRecord>> e : byKey.entrySet()) {
            if (!first.values().containsKey(e.getKey())) {
                problems.add("key " + e.getKey() + " was written but not read from the replicas");
                continue;
            }
            String value = first.values().get(e.getKey());
            if (e.getValue().get(0).op() == Operation.APPEND) {
                checked += checkAppendKey(e.getKey(), value, e.getValue(), runId, problems);
            } else {
                checked += checkRegisterKey(e.getKey(), value, e.getValue(), runId, problems);
            }
        }
        long acked = writes.stream().filter(WriteRecord::acknowledged).count();
        if (agree && first.applied() < acked) {
            problems.add("replicas applied " + first.applied() + " writes, fewer than the " + acked + " acknowledged");
        }
        return new CheckReport(
                replicas.size(), agree ? first.digest() : null, agree ? first.applied() : -1, checked, problems);
    }

    private static boolean agreement(List<ReplicaState> replicas, List<String> problems) {
        ReplicaState first = replicas.get(0);
        boolean agree = true;
        for (ReplicaState r : replicas.subList(1, replicas.size())) {
            if (!r.digest().equals(first.digest()) || r.applied() != first.applied()) {
                problems.add(r.name() + " digest=" + abbrev(r.digest()) + " applied=" + r.applied() + " but "
                        + first.name() + " digest=" + abbrev(first.digest()) + " applied=" + first.applied());
                agree = false;
            }
            int diff = firstDifference(first.appliedIds(), r.appliedIds());
            if (diff >= 0) {
                problems.add("apply order differs at write #" + diff + ": " + first.name() + " "
                        + at(first.appliedIds(), diff) + " vs " + r.name() + " " + at(r.appliedIds(), diff));
                agree = false;
            }
            if (!r.values().equals(first.values())) {
                for (String k : first.values().keySet()) {
                    if (!Objects.equals(first.values().get(k), r.values().get(k))) {
                        problems.add("value of " + k + " differs between " + first.name() + " and " + r.name());
                        break;
                    }
                }
                agree = false;
            }
        }
        return agree;
    }

    private static void duplicateIds(ReplicaState r, List<String> problems) {
        Set<String> seen = new HashSet<>();
        for (String id : r.appliedIds()) {
            if (!id.equals("-") && !seen.add(id)) {
                problems.add(r.name() + " applied request " + id + " twice");
                return;
            }
        }
    }

    private static long checkAppendKey(
            String key, String value, List<WriteRecord> writes, String runId, List<String> problems) {
        String v = value == null ? "" : value;
        // Tokens of this run in value order; each token ends with ';'.
        Map<String, Integer> index = new HashMap<>();
        List<String> order = new ArrayList<>();
        int start = 0;
        for (int end = v.indexOf(';'); end >= 0; start = end + 1, end = v.indexOf(';', start)) {
            String token = v.substring(start, end + 1);
            if (!token.startsWith(runId + ".")) {
                continue;
            }
            if (index.put(token, order.size()) != null) {
                problems.add(key + ": token " + token + " applied twice");
            }
            order.add(token);
        }
        Map<String, WriteRecord> byToken = new HashMap<>();
        writes.forEach(w -> byToken.put(w.token(), w));
        for (String token : order) {
            if (!byToken.containsKey(token)) {
                problems.add(key + ": token " + token + " was never sent");
            }
        }
        long checked = 0;
        for (WriteRecord w : writes) {
            boolean present = index.containsKey(w.token());
            if (w.acknowledged()) {
                checked++;
                if (!present) {
                    problems.add(key + ": acknowledged append " + w.token() + " is lost");
                } else if (w.responseLength() >= 0
                        && (w.responseLength() > v.length()
                                || WriteRecord.hash(v, w.responseLength()) != w.responseHash())) {
                    problems.add(
                            key + ": value returned to append " + w.token() + " is not a prefix of the final value");
                }
            } else if (w.outcome() == Outcome.REJECTED && present) {
                problems.add(key + ": rejected append " + w.token() + " was applied");
            }
        }
        realTimeOrder(key, order, byToken, problems);
        return checked;
    }

    /** If A was acknowledged before B was sent, A must come first: compare with the later tokens' earliest ack. */
    private static void realTimeOrder(
            String key, List<String> order, Map<String, WriteRecord> byToken, List<String> problems) {
        long minLaterAck = Long.MAX_VALUE;
        String minLaterToken = null;
        for (int i = order.size() - 1; i >= 0; i--) {
            WriteRecord b = byToken.get(order.get(i));
            if (b == null) {
                continue;
            }
            if (minLaterToken != null && minLaterAck < b.sentNanos()) {
                problems.add(key + ": " + minLaterToken + " was acknowledged before " + b.token()
                        + " was sent, yet comes after it");
                return;
            }
            if (b.acknowledged() && b.doneNanos() < minLaterAck) {
                minLaterAck = b.doneNanos();
                minLaterToken = b.token();
            }
        }
    }

    private static long checkRegisterKey(
            String key, String value, List<WriteRecord> writes, String runId, List<String> problems) {
        long latestAckedSend = Long.MIN_VALUE;
        long checked = 0;
        for (WriteRecord w : writes) {
            if (w.acknowledged()) {
                latestAckedSend = Math.max(latestAckedSend, w.sentNanos());
                checked++;
            }
        }
        boolean anyAcked = checked > 0;
        for (WriteRecord w : writes) {
            boolean effect = w.op() == Operation.PUT ? w.token().equals(value) : value == null;
            if (!effect || w.outcome() == Outcome.REJECTED) {
                continue;
            }
            long doneAt = w.acknowledged() ? w.doneNanos() : Long.MAX_VALUE;
            if (latestAckedSend <= doneAt) {
                return checked;
            }
        }
        if (!anyAcked && (value == null || !value.startsWith(runId + "."))) {
            return checked;
        }
        problems.add(key + ": final value " + (value == null ? "(absent)" : value)
                + " is not the effect of any write that could have come last; an acknowledged write was lost");
        return checked;
    }

    private static int firstDifference(List<String> a, List<String> b) {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            if (!a.get(i).equals(b.get(i))) {
                return i;
            }
        }
        return a.size() == b.size() ? -1 : n;
    }

    private static String at(List<String> ids, int i) {
        return i < ids.size() ? ids.get(i) : "(end)";
    }

    private static String abbrev(String digest) {
        return digest.length() > 12 ? digest.substring(0, 12) : digest;
    }
}
