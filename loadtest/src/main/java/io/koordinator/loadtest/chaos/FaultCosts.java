package io.koordinator.loadtest.chaos;

import io.koordinator.loadtest.check.linear.HistoryOp;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What each fault cost the clients, from the history: the longest time without an acknowledged
 * write, and the operations that failed or ended unknown, from the fault's injection until the
 * next fault (or the end of the load).
 */
final class FaultCosts {
    private FaultCosts() {}

    /** The table, one row per fault, then one row per kind: longest and mean gap, sums of the rest. */
    static void print(
            PrintStream out, List<FaultInjector.Injected> faults, List<HistoryOp> history, long origin, long end) {
        out.printf(
                "%-15s %-30s %8s %8s %12s %8s %8s%n",
                "fault", "target", "at s", "held ms", "unavail. ms", "failed", "unknown");
        Map<FaultKind, List<Cost>> byKind = new EnumMap<>(FaultKind.class);
        for (int i = 0; i < faults.size(); i++) {
            FaultInjector.Injected f = faults.get(i);
            long windowEnd = i + 1 < faults.size() ? faults.get(i + 1).injectNanos() : end;
            Cost c = cost(history, f.injectNanos(), windowEnd);
            byKind.computeIfAbsent(f.kind(), k -> new ArrayList<>()).add(c);
            out.printf(
                    "%-15s %-30s %8.1f %8d %12d %8d %8d%s%n",
                    f.kind().label(),
                    f.target(),
                    (f.injectNanos() - origin) / 1e9,
                    (f.healNanos() - f.injectNanos()) / 1_000_000,
                    c.unavailableMillis(),
                    c.failed(),
                    c.unknown(),
                    f.error() == null ? "" : "  " + f.error());
        }
        if (faults.size() > 1) {
            out.println();
            out.printf(
                    "%-15s %6s %14s %14s %8s %8s%n",
                    "by kind", "faults", "longest unav.", "mean unav. ms", "failed", "unknown");
            byKind.forEach((kind, costs) -> out.printf(
                    "%-15s %6d %14d %14d %8d %8d%n",
                    kind.label(),
                    costs.size(),
                    costs.stream().mapToLong(Cost::unavailableMillis).max().orElse(0),
                    Math.round(costs.stream()
                            .mapToLong(Cost::unavailableMillis)
                            .average()
                            .orElse(0)),
                    costs.stream().mapToLong(Cost::failed).sum(),
                    costs.stream().mapToLong(Cost::unknown).sum()));
        }
    }

    /**
     * @param unavailableMillis the longest gap between acknowledged writes (counting from the
     *     window's start and to its end)
     * @param failed operations invoked in the window that failed
     * @param unknown operations invoked in the window whose outcome is unknown
     */
    record Cost(long unavailableMillis, long failed, long unknown) {}

    static Cost cost(List<HistoryOp> history, long from, long to) {
        long[] acks = history.stream()
                .filter(op -> op.isWrite() && op.outcome() == HistoryOp.Outcome.OK)
                .mapToLong(HistoryOp::completeNanos)
                .filter(t -> t >= from && t <= to)
                .sorted()
                .toArray();
        long longest = 0;
        long previous = from;
        for (long t : acks) {
            longest = Math.max(longest, t - previous);
            previous = t;
        }
        longest = Math.max(longest, to - previous);
        long failed = 0;
        long unknown = 0;
        for (HistoryOp op : history) {
            if (op.invokeNanos() >= from && op.invokeNanos() < to) {
                failed += op.outcome() == HistoryOp.Outcome.FAIL ? 1 : 0;
                unknown += op.outcome() == HistoryOp.Outcome.UNKNOWN ? 1 : 0;
            }
        }
        return new Cost(longest / 1_000_000, failed, unknown);
    }
}
