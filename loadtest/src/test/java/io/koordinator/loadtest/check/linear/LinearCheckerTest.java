package io.koordinator.loadtest.check.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koordinator.loadtest.check.linear.HistoryOp.Outcome;
import io.koordinator.loadtest.check.linear.LinearChecker.KeyResult;
import io.koordinator.loadtest.check.linear.LinearChecker.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearCheckerTest {
    private static final long MS = 1_000_000;
    private final LinearChecker checker = new LinearChecker(LinearChecker.DEFAULT_BUDGET);

    private static HistoryOp put(String v, long from, long to, Outcome o) {
        return HistoryOp.write("c", "k", v, from * MS, to * MS, o);
    }

    private static HistoryOp get(String read, long from, long to) {
        return HistoryOp.read("c", "k", from * MS, to * MS, Outcome.OK, read);
    }

    private static HistoryOp append(String v, long from, long to, Outcome o, String result) {
        return HistoryOp.append("c", "k", v, from * MS, to * MS, o, result);
    }

    private static HistoryOp delete(long from, long to, Outcome o) {
        return HistoryOp.delete("c", "k", from * MS, to * MS, o);
    }

    private KeyResult check(HistoryOp... ops) {
        return checker.checkKey("k", List.of(ops), 0);
    }

    @Test
    void sequentialRegisterIsLinearizable() {
        KeyResult r = check(
                get(null, 0, 1), put("x", 2, 3, Outcome.OK), get("x", 4, 5), delete(6, 7, Outcome.OK), get(null, 8, 9));
        assertEquals(Verdict.LINEARIZABLE, r.verdict(), r.detail());
    }

    @Test
    void concurrentReadMaySeeEitherValue() {
        // Given a write of y concurrent with two reads, one sees the old value, one the new
        KeyResult r = check(put("x", 0, 1, Outcome.OK), put("y", 2, 10, Outcome.OK), get("y", 3, 4), get("x", 5, 6));
        // then the old value after the new one is not allowed: y was read, completed, before x was read
        assertEquals(Verdict.VIOLATION, r.verdict());
        KeyResult ok = check(put("x", 0, 1, Outcome.OK), put("y", 2, 10, Outcome.OK), get("x", 3, 4), get("y", 5, 6));
        assertEquals(Verdict.LINEARIZABLE, ok.verdict(), ok.detail());
    }

    @Test
    void staleReadIsAViolation() {
        // Given x then y written, each acknowledged before the next began
        // when a read that starts after y was acknowledged returns x
        KeyResult r = check(put("x", 0, 1, Outcome.OK), put("y", 2, 3, Outcome.OK), get("x", 4, 5));
        // then it is stale
        assertEquals(Verdict.VIOLATION, r.verdict());
        assertTrue(r.detail().contains("read k -> \"x\""), r.detail());
    }

    @Test
    void aStaleLinearizableReadIsAViolationButAStaleLocalReadIsNotChecked() {
        // Given x then y written, each acknowledged before the next began
        HistoryOp x = put("x", 0, 1, Outcome.OK);
        HistoryOp y = put("y", 2, 3, Outcome.OK);
        // when a read after y returns x, under the linearizable policy
        HistoryOp linearizable = HistoryOp.read("c", "k", 4 * MS, 5 * MS, Outcome.OK, "x", HistoryOp.LINEARIZABLE);
        // then it is stale
        assertEquals(Verdict.VIOLATION, check(x, y, linearizable).verdict());
        // and under the local policy it may be: it is left out
        HistoryOp local = HistoryOp.read("c", "k", 4 * MS, 5 * MS, Outcome.OK, "x", HistoryOp.LOCAL);
        KeyResult r = check(x, y, local);
        assertEquals(Verdict.LINEARIZABLE, r.verdict(), r.detail());
    }

    @Test
    void lostWriteIsAViolation() {
        // Given an acknowledged append, a later read that does not contain it
        KeyResult r =
                check(append("a;", 0, 1, Outcome.OK, "a;"), append("b;", 2, 3, Outcome.OK, "a;b;"), get("a;", 10, 11));
        assertEquals(Verdict.VIOLATION, r.verdict());
        // and an acknowledged PUT that a read after it does not see
        assertEquals(
                Verdict.VIOLATION,
                check(put("x", 0, 1, Outcome.OK), get(null, 2, 3)).verdict());
    }

    @Test
    void appendReorderingIsAViolation() {
        // Given a acknowledged before b was sent, a read showing b before a
        KeyResult r =
                check(append("a;", 0, 1, Outcome.OK, null), append("b;", 2, 3, Outcome.OK, null), get("b;a;", 4, 5));
        assertEquals(Verdict.VIOLATION, r.verdict());
        // concurrent appends may land in either order
        KeyResult ok =
                check(append("a;", 0, 3, Outcome.OK, null), append("b;", 1, 2, Outcome.OK, null), get("b;a;", 4, 5));
        assertEquals(Verdict.LINEARIZABLE, ok.verdict(), ok.detail());
    }

    @Test
    void appendReturningAValueNoOrderExplainsIsAViolation() {
        KeyResult r = check(append("a;", 0, 1, Outcome.OK, "a;"), append("b;", 2, 3, Outcome.OK, "b;"));
        assertEquals(Verdict.VIOLATION, r.verdict());
    }

    @Test
    void duplicatedAppendIsAViolation() {
        // A retried append applied twice
        KeyResult r = check(append("a;", 0, 5, Outcome.OK, null), get("a;a;", 6, 7));
        assertEquals(Verdict.VIOLATION, r.verdict());
    }

    @Test
    void unknownWriteMayAppearLater() {
        // Given a PUT whose outcome is unknown (timed out at 2 ms)
        // when it shows up long after the client gave up
        KeyResult r = check(
                put("x", 0, 1, Outcome.OK),
                put("u", 2, 3, Outcome.UNKNOWN),
                get("x", 4, 5),
                get("u", 20, 21),
                get("u", 22, 23));
        // then that is allowed: it took effect at about 6 ms
        assertEquals(Verdict.LINEARIZABLE, r.verdict(), r.detail());
        // and an unknown append may never happen
        KeyResult never = check(append("a;", 0, 1, Outcome.UNKNOWN, null), get(null, 2, 3), get(null, 30, 31));
        assertEquals(Verdict.LINEARIZABLE, never.verdict(), never.detail());
    }

    @Test
    void unknownWriteCannotTakeEffectBeforeItWasSent() {
        KeyResult r = check(get("u", 0, 1), put("u", 2, 3, Outcome.UNKNOWN));
        assertEquals(Verdict.VIOLATION, r.verdict());
    }

    @Test
    void unknownWriteCannotComeBackAfterBeingOverwritten() {
        // u took effect (seen), then x was written and seen, then u again: u happened only once
        KeyResult r = check(
                put("u", 0, 1, Outcome.UNKNOWN),
                get("u", 2, 3),
                put("x", 4, 5, Outcome.OK),
                get("x", 6, 7),
                get("u", 8, 9));
        assertEquals(Verdict.VIOLATION, r.verdict());
    }

    @Test
    void failedWritesAreLeftOut() {
        KeyResult r = check(put("x", 0, 1, Outcome.OK), put("f", 2, 3, Outcome.FAIL), get("x", 4, 5));
        assertEquals(Verdict.LINEARIZABLE, r.verdict(), r.detail());
        assertEquals(
                Verdict.VIOLATION,
                check(put("f", 2, 3, Outcome.FAIL), get("f", 4, 5)).verdict());
    }

    @Test
    void appendAfterPutAndDeleteFollowsTheKvApp() {
        KeyResult r = check(
                put("x", 0, 1, Outcome.OK),
                append("a;", 2, 3, Outcome.OK, "xa;"),
                delete(4, 5, Outcome.OK),
                append("b;", 6, 7, Outcome.OK, "b;"),
                get("b;", 8, 9));
        assertEquals(Verdict.LINEARIZABLE, r.verdict(), r.detail());
    }

    @Test
    void keysAreCheckedApart() {
        List<HistoryOp> h = List.of(
                HistoryOp.write("c1", "p", "x", 0, 1, Outcome.OK),
                HistoryOp.read("c2", "q", 2, 3, Outcome.OK, "x"),
                HistoryOp.read("c2", "p", 2, 3, Outcome.OK, "x"));
        LinearChecker.Report report = checker.check(h, 0);
        assertEquals(1, report.with(Verdict.VIOLATION).size());
        assertEquals("q", report.with(Verdict.VIOLATION).get(0).key());
    }

    @Test
    void thousandsOfConcurrentOpsCheckFast() {
        // (About 3 s warm, 12 s cold on a quiet 2-core machine; the bound only catches a blow-up.)
        // Given a simulated linearizable run: 8 clients, 5,000 ops on one key, overlapping intervals,
        // 5% unknown outcomes, once without a pause and once with every client pausing now and then
        long start = System.nanoTime();
        for (boolean pauses : new boolean[] {false, true}) {
            KeyResult r = checker.checkKey("k", simulate(new Random(7), 5_000, false, pauses), 0);
            assertEquals(Verdict.LINEARIZABLE, r.verdict(), r.detail());
        }
        // when a stale read is spliced into the middle of the run with pauses, then it is found
        List<HistoryOp> bad = simulate(new Random(7), 5_000, true, true);
        KeyResult r = checker.checkKey("k", bad, 0);
        assertEquals(Verdict.VIOLATION, r.verdict(), r.detail());
        assertTrue(r.detail().contains("read k"), r.detail());
        assertTrue(System.nanoTime() - start < 60_000 * MS, "took " + (System.nanoTime() - start) / MS + " ms");
    }

    @Test
    void searchBudgetGivesUndecided() {
        List<HistoryOp> good = simulate(new Random(3), 2_000, false, false);
        KeyResult r = new LinearChecker(100).checkKey("k", good, 0);
        assertEquals(Verdict.UNDECIDED, r.verdict());
        assertEquals(false, new LinearChecker.Report(List.of(r)).linearizable());
    }

    /**
     * A linearizable history by construction: each op takes effect at a random instant inside its
     * interval, the effects applied in that order; with {@code stale}, one read late in the run
     * returns the value the key held 50 effects earlier. With {@code pauses}, all clients wait for
     * each other every 64 operations, which leaves an instant no operation spans.
     */
    private static List<HistoryOp> simulate(Random rnd, int n, boolean stale, boolean pauses) {
        record Timed(long at, int client, int kind, long invoke, long complete) {}
        List<Timed> timed = new ArrayList<>();
        long[] clientFree = new long[8];
        for (int i = 0; i < n; i++) {
            int c = i % 8;
            if (pauses && i % 64 == 0) {
                long all = java.util.Arrays.stream(clientFree).max().orElse(0) + 1;
                java.util.Arrays.fill(clientFree, all);
            }
            long invoke = clientFree[c] + rnd.nextInt(5);
            long complete = invoke + 1 + rnd.nextInt(60);
            long at = invoke + rnd.nextInt((int) (complete - invoke));
            clientFree[c] = complete + 1;
            timed.add(new Timed(at * 1000 + i % 1000, c, rnd.nextInt(10), invoke * 1000, complete * 1000 + 999));
        }
        timed.sort(java.util.Comparator.comparingLong(Timed::at));
        List<String> states = new ArrayList<>();
        String value = null;
        List<HistoryOp> ops = new ArrayList<>();
        int seq = 0;
        boolean spliced = false;
        for (Timed t : timed) {
            String p = "c" + t.client();
            boolean unknown = rnd.nextInt(20) == 0;
            Outcome o = unknown ? Outcome.UNKNOWN : Outcome.OK;
            if (t.kind() < 4) {
                String read = value;
                if (stale && !spliced && states.size() > n / 2) {
                    read = states.get(states.size() - 50);
                    spliced = !java.util.Objects.equals(read, value);
                }
                ops.add(HistoryOp.read(p, "k", t.invoke(), t.complete(), Outcome.OK, read));
            } else if (t.kind() < 8) {
                String token = "t" + seq++ + ";";
                if (unknown && rnd.nextBoolean()) {
                    ops.add(HistoryOp.append(p, "k", token, t.invoke(), t.complete(), o, null));
                    continue; // an unknown append that never took effect
                }
                value = (value == null ? "" : value) + token;
                ops.add(HistoryOp.append(p, "k", token, t.invoke(), t.complete(), o, unknown ? null : value));
            } else if (t.kind() == 8) {
                value = "w" + seq++ + ";";
                ops.add(HistoryOp.write(p, "k", value, t.invoke(), t.complete(), o));
            } else {
                value = null;
                ops.add(HistoryOp.delete(p, "k", t.invoke(), t.complete(), o));
            }
            states.add(value);
        }
        return ops;
    }
}
