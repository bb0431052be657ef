package io.koordinator.loadtest.check.linear;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides whether a history of the kv app is linearizable: whether there is one total order of
 * its operations that keeps every operation that completed before another began in front of it,
 * and in which every operation sees what {@link KvModel} says it should.
 *
 * <p>Keys are independent objects, so the history is linearizable exactly when each key's
 * sub-history is (locality, Herlihy and Wing 1990); each key is searched alone. The search is Wing
 * and Gong's (1993): walk the invocations and completions in time order, try to linearize a
 * pending operation at its invocation, back up when a completion is reached whose operation is
 * not yet linearized. Lowe's improvement (2017) makes it fast: a configuration (the set of
 * operations linearized so far, the key's state) that was already explored is not explored again.
 * Unknown operations sharpen that cache: a configuration is also skipped when one with the same
 * completed operations and state, but a subset of its unknown operations, was explored, since
 * leaving an unknown operation pending only keeps more choices open; and of two pending unknown
 * operations with the same effect (two deletes) only the first is tried.
 *
 * <p>Outcomes: an {@code ok} operation must be linearized between its invocation and its
 * completion. A {@code fail} operation did not happen and is left out. An {@code unknown}
 * operation never completes: it may be linearized at any point after its invocation, or never; an
 * unknown read tells nothing and is left out. An unknown write or append whose value shows in no
 * observed value of the key is left out too: taking effect could not explain any observation, so
 * "never" is always as good (this keeps the search from trying every subset of the failed writes).
 *
 * <p>Reads served under the {@code local} read policy ({@link HistoryOp#isLocalRead()}) may be
 * stale by design and are left out; ordered and linearizable reads are checked alike.
 *
 * <p>The search is bounded by a tenth of {@code budget} steps for the whole key at once, then
 * {@code budget} for each segment (see {@code Search}); a key that needs more is reported {@link
 * Verdict#UNDECIDED}, never passed.
 */
public final class LinearChecker {
    /** Steps per key by default: a few seconds of search. */
    public static final long DEFAULT_BUDGET = 5_000_000;

    /** Up to this many unknown sets per configuration are scanned for a subset; beyond, only equal ones count. */
    private static final int DOMINANCE_SCAN = 8;

    private final long budget;

    public LinearChecker(long budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be positive: " + budget);
        }
        this.budget = budget;
    }

    /** What the search found for one key. */
    public enum Verdict {
        LINEARIZABLE,
        VIOLATION,
        UNDECIDED
    }

    /**
     * The finding for one key.
     *
     * @param key the key
     * @param verdict the verdict
     * @param ops operations searched (after leaving out failed ones)
     * @param steps steps the search took
     * @param detail for a violation: the operation that could not be linearized by its completion in
     *     the deepest configuration reached, and the operations linearized just before it; else empty
     */
    public record KeyResult(String key, Verdict verdict, int ops, long steps, String detail) {}

    /** The findings for every key, in key order. */
    public record Report(List<KeyResult> keys) {
        public Report {
            keys = List.copyOf(keys);
        }

        public List<KeyResult> with(Verdict v) {
            return keys.stream().filter(k -> k.verdict() == v).toList();
        }

        /** True when every key is linearizable (none violated, none undecided). */
        public boolean linearizable() {
            return keys.stream().allMatch(k -> k.verdict() == Verdict.LINEARIZABLE);
        }
    }

    /** Checks every key of {@code history}; {@code originNanos} is time zero in the details. */
    public Report check(List<HistoryOp> history, long originNanos) {
        Map<String, List<HistoryOp>> byKey = new TreeMap<>();
        for (HistoryOp op : history) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        List<KeyResult> results = new ArrayList<>();
        for (Map.Entry<String, List<HistoryOp>> e : byKey.entrySet()) {
            results.add(checkKey(e.getKey(), e.getValue(), originNanos));
        }
        return new Report(results);
    }

    /** Checks the operations of one key (all of {@code ops} must be on {@code key}). */
    public KeyResult checkKey(String key, List<HistoryOp> ops, long originNanos) {
        List<HistoryOp> kept = relevant(ops);
        return new Search(kept, originNanos).run(key);
    }

    static List<HistoryOp> relevant(List<HistoryOp> ops) {
        List<String> observed = new ArrayList<>();
        for (HistoryOp op : ops) {
            if (op.outcome() == HistoryOp.Outcome.OK && op.result() != null) {
                observed.add(op.result());
            }
        }
        List<HistoryOp> kept = new ArrayList<>();
        for (HistoryOp op : ops) {
            if (op.isLocalRead()) {
                continue; // may be stale by design: not a linearizable read
            }
            boolean drop = switch (op.outcome()) {
                case FAIL -> true;
                case OK -> false;
                case UNKNOWN ->
                    op.kind() == HistoryOp.Kind.READ
                            || (op.value() != null && observed.stream().noneMatch(v -> v.contains(op.value())));
            };
            if (!drop) {
                kept.add(op);
            }
        }
        return kept;
    }

    /** One node of the doubly linked list of invocations and completions, in time order. */
    private static final class Entry {
        /** Index among the ok operations, or among the unknown ones (see {@link #unknown}). */
        final int id;

        final boolean unknown;
        final HistoryOp op;
        /** What an unknown operation would do: two pending ones with the same effect are interchangeable. */
        final String effect;
        /** What the operation observed ({@link KvModel#observed}), or null. */
        final KvModel.State observed;
        /** The state a write leaves whatever came before (PUT, DELETE), or null. */
        final KvModel.State written;

        final boolean call;
        final long time;
        Entry match;
        Entry prev;
        Entry next;

        Entry(int id, HistoryOp op, boolean call, long time) {
            this.id = id;
            this.unknown = op != null && op.outcome() == HistoryOp.Outcome.UNKNOWN;
            this.op = op;
            this.effect = op == null ? "" : op.kind() + ":" + op.value();
            this.observed = op == null || !call ? null : KvModel.observed(op);
            this.written = op == null || !call || op.kind() == HistoryOp.Kind.READ || op.kind() == HistoryOp.Kind.APPEND
                    ? null
                    : KvModel.step(KvModel.ABSENT, op);
            this.call = call;
            this.time = time;
        }
    }

    private record Frame(Entry call, KvModel.State state) {}

    /**
     * The completed operations linearized so far and the key's state. The set is kept as the
     * first operation not yet linearized and the set of those above it: operations are linearized
     * roughly in order, so that stays small however long the history.
     */
    private record Configuration(int floor, BitSet above, KvModel.State state) {
        static Configuration of(BitSet linearizedOk, KvModel.State state) {
            int floor = linearizedOk.nextClearBit(0);
            return new Configuration(floor, linearizedOk.get(floor, Math.max(floor, linearizedOk.length())), state);
        }
    }

    /**
     * The search of one key, cut into segments: a cut is an instant no completed operation spans,
     * so every completed operation before it precedes every one after it. The search carries the
     * set of configurations possible at each cut (state, unknown operations taken effect) into the
     * next segment; a segment that no configuration gets through holds the violation, and the
     * cost of finding it does not grow with the history before it.
     */
    private final class Search {
        private final List<HistoryOp> ops;
        private final long originNanos;
        private final List<Entry> okCalls = new ArrayList<>();
        private final List<Entry> unknownCalls = new ArrayList<>();
        private long steps;
        private int deepest;
        private String deepestDetail;

        Search(List<HistoryOp> ops, long originNanos) {
            this.ops = ops;
            this.originNanos = originNanos;
            List<HistoryOp> sorted = new ArrayList<>(ops);
            sorted.sort(Comparator.comparingLong(HistoryOp::invokeNanos));
            for (HistoryOp op : sorted) {
                if (op.outcome() == HistoryOp.Outcome.OK) {
                    Entry call = new Entry(okCalls.size(), op, true, op.invokeNanos());
                    call.match = new Entry(call.id, op, false, op.completeNanos());
                    okCalls.add(call);
                } else {
                    unknownCalls.add(new Entry(unknownCalls.size(), op, true, op.invokeNanos()));
                }
            }
        }

        /**
         * First the whole key as one segment, stopping at the first linearization found, with a
         * tenth of the budget: quick when there is one. If that is not enough, segment by segment
         * with the whole budget for each, which finds a violation at a cost that does not grow
         * with the history before it.
         */
        KeyResult run(String key) {
            if (okCalls.isEmpty()) {
                return new KeyResult(key, Verdict.LINEARIZABLE, ops.size(), 0, "");
            }
            Map<KvModel.State, List<BitSet>> ends = new HashMap<>();
            deepest = -1;
            deepestDetail = "";
            boolean done = segment(
                    0,
                    okCalls.size(),
                    Long.MAX_VALUE,
                    KvModel.ABSENT,
                    new BitSet(),
                    new HashMap<>(),
                    ends,
                    true,
                    Math.max(1, budget / 10));
            if (done) {
                return new KeyResult(
                        key,
                        ends.isEmpty() ? Verdict.VIOLATION : Verdict.LINEARIZABLE,
                        ops.size(),
                        steps,
                        deepestDetail);
            }
            long spent = steps;
            steps = 0;
            KeyResult bySegment = bySegment(key);
            return new KeyResult(key, bySegment.verdict(), ops.size(), spent + bySegment.steps(), bySegment.detail());
        }

        private KeyResult bySegment(String key) {
            long total = 0;
            Map<KvModel.State, List<BitSet>> frontier = new HashMap<>();
            frontier.put(KvModel.ABSENT, new ArrayList<>(List.of(new BitSet())));
            int from = 0;
            while (from < okCalls.size()) {
                int to = segmentEnd(from);
                // Unknown operations invoked before the next segment's first invocation may take effect here.
                boolean last = to == okCalls.size();
                long limit = last ? Long.MAX_VALUE : okCalls.get(to).time;
                Map<KvModel.State, List<BitSet>> next = new HashMap<>();
                Map<Configuration, Set<BitSet>> explored = new HashMap<>();
                total += steps;
                steps = 0;
                deepest = -1;
                deepestDetail = "";
                for (Map.Entry<KvModel.State, List<BitSet>> start : frontier.entrySet()) {
                    for (BitSet taken : start.getValue()) {
                        if (!segment(from, to, limit, start.getKey(), taken, explored, next, last, budget)) {
                            return new KeyResult(
                                    key,
                                    Verdict.UNDECIDED,
                                    ops.size(),
                                    total + steps,
                                    "search budget of " + budget + " steps spent in the segment from "
                                            + okCalls.get(from).op.describe(originNanos));
                        }
                    }
                }
                if (next.isEmpty()) {
                    return new KeyResult(key, Verdict.VIOLATION, ops.size(), total + steps, deepestDetail);
                }
                if (last) {
                    break;
                }
                frontier = next;
                from = to;
            }
            return new KeyResult(key, Verdict.LINEARIZABLE, ops.size(), total + steps, "");
        }

        /** The end (exclusive) of the segment of ok operations that starts at {@code from}. */
        private int segmentEnd(int from) {
            long reach = okCalls.get(from).match.time;
            int i = from + 1;
            while (i < okCalls.size() && okCalls.get(i).time <= reach) {
                reach = Math.max(reach, okCalls.get(i).match.time);
                i++;
            }
            return i;
        }

        /**
         * Searches one segment from one start configuration and adds every configuration it can end
         * in to {@code ends} (only the first for the {@code last} segment). False if the budget ran out.
         */
        private boolean segment(
                int from,
                int to,
                long limit,
                KvModel.State startState,
                BitSet startTaken,
                Map<Configuration, Set<BitSet>> explored,
                Map<KvModel.State, List<BitSet>> ends,
                boolean last,
                long maxSteps) {
            Entry sentinel = list(from, to, limit, startTaken);
            BitSet ok = new BitSet();
            BitSet unknown = (BitSet) startTaken.clone();
            Deque<Frame> stack = new ArrayDeque<>();
            KvModel.State state = startState;
            Entry head = sentinel.next;
            // Unknown operations passed over in this scan, by effect: a second pending one with the
            // same effect is interchangeable with the first (both already invoked), so it is skipped.
            Set<String> passedUnknown = new HashSet<>();
            while (true) {
                if (++steps > maxSteps) {
                    return false;
                }
                boolean backUp;
                if (head == null) {
                    // Every completed operation of the segment is linearized: one way through.
                    addMinimal(ends, state, unknown);
                    if (last) {
                        return true;
                    }
                    backUp = true;
                } else if (head.call && head.unknown && !passedUnknown.add(head.effect)) {
                    backUp = false;
                    head = head.next;
                    continue;
                } else if (head.call) {
                    backUp = false;
                    KvModel.State next =
                            head.written != null ? head.written : KvModel.step(state, head.op, head.observed);
                    if (next != null) {
                        BitSet bits = head.unknown ? unknown : ok;
                        bits.set(head.id);
                        if (firstVisit(explored, Configuration.of(ok, next), unknown)) {
                            stack.push(new Frame(head, state));
                            state = next;
                            lift(head);
                            head = sentinel.next;
                            passedUnknown.clear();
                            continue;
                        }
                        bits.clear(head.id);
                    }
                    head = head.next;
                } else {
                    // A completion whose operation could not be linearized yet.
                    noteDeepest(head, stack, state);
                    backUp = true;
                }
                if (backUp) {
                    if (stack.isEmpty()) {
                        return true;
                    }
                    Frame f = stack.pop();
                    state = f.state();
                    (f.call().unknown ? unknown : ok).clear(f.call().id);
                    unlift(f.call());
                    head = f.call().next;
                    passedUnknown.clear();
                    for (Entry e = sentinel.next; e != head; e = e.next) {
                        if (e.call && e.unknown) {
                            passedUnknown.add(e.effect);
                        }
                    }
                }
            }
        }

        /** A fresh list: pending unknown invocations before {@code limit}, then the segment's entries. */
        private Entry list(int from, int to, long limit, BitSet taken) {
            List<Entry> entries = new ArrayList<>();
            for (Entry u : unknownCalls) {
                if (u.time < limit && !taken.get(u.id)) {
                    entries.add(u);
                }
            }
            for (int i = from; i < to; i++) {
                entries.add(okCalls.get(i));
                entries.add(okCalls.get(i).match);
            }
            // At equal times invocations go first: the two operations count as concurrent.
            entries.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> e.call ? 0 : 1));
            Entry sentinel = new Entry(-1, null, true, Long.MIN_VALUE);
            Entry last = sentinel;
            for (Entry e : entries) {
                last.next = e;
                e.prev = last;
                e.next = null;
                last = e;
            }
            return sentinel;
        }

        /** Adds {@code (state, taken)} unless a subset of {@code taken} is there already for that state. */
        private static void addMinimal(Map<KvModel.State, List<BitSet>> ends, KvModel.State state, BitSet taken) {
            List<BitSet> sets = ends.computeIfAbsent(state, s -> new ArrayList<>());
            for (BitSet s : sets) {
                if (isSubset(s, taken)) {
                    return;
                }
            }
            sets.removeIf(s -> isSubset(taken, s));
            sets.add((BitSet) taken.clone());
        }

        private static boolean isSubset(BitSet a, BitSet b) {
            for (int i = a.nextSetBit(0); i >= 0; i = a.nextSetBit(i + 1)) {
                if (!b.get(i)) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Records the configuration; false if it or one that dominates it (same completed
         * operations and state, a subset of the unknown ones) was seen before.
         */
        private static boolean firstVisit(Map<Configuration, Set<BitSet>> explored, Configuration c, BitSet unknown) {
            Set<BitSet> seen = explored.get(c);
            if (seen == null) {
                seen = new HashSet<>(2);
                explored.put(c, seen);
            } else if (seen.contains(unknown)) {
                return false;
            } else if (seen.size() <= DOMINANCE_SCAN) {
                for (BitSet s : seen) {
                    if (isSubset(s, unknown)) {
                        return false;
                    }
                }
            }
            seen.add((BitSet) unknown.clone());
            return true;
        }

        private void noteDeepest(Entry blocked, Deque<Frame> stack, KvModel.State state) {
            if (stack.size() <= deepest) {
                return;
            }
            deepest = stack.size();
            StringBuilder sb = new StringBuilder()
                    .append("no order fits: ")
                    .append(blocked.op.describe(originNanos))
                    .append(" cannot take effect before it completes; ")
                    .append(deepest)
                    .append(" operations of its segment ordered at most, the state then ")
                    .append(state.present() ? state.length() + " chars" : "absent");
            int shown = 0;
            for (Frame f : stack) {
                if (shown++ == 3) {
                    break;
                }
                sb.append("; after ").append(f.call().op.describe(originNanos));
            }
            deepestDetail = sb.toString();
        }

        private void lift(Entry call) {
            remove(call);
            if (call.match != null) {
                remove(call.match);
            }
        }

        private void unlift(Entry call) {
            if (call.match != null) {
                insert(call.match);
            }
            insert(call);
        }

        private static void remove(Entry e) {
            e.prev.next = e.next;
            if (e.next != null) {
                e.next.prev = e.prev;
            }
        }

        private static void insert(Entry e) {
            e.prev.next = e;
            if (e.next != null) {
                e.next.prev = e;
            }
        }
    }
}
