package io.koordinator.loadtest.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koordinator.loadtest.check.linear.History;
import io.koordinator.loadtest.cluster.ChildProcess;
import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI chaos run: {@code koordinator-loadtest.jar chaos} as a child process for a minute (at
 * least 2,000 operations, five faults of three kinds or more), which must end with no violation.
 *
 * <p>Part of every {@code ./scripts/test}; {@code -Dkoordinator.chaos=false} skips it (about two
 * minutes). {@code -Dkoordinator.chaos.seed=N} and {@code -Dkoordinator.chaos.duration=S} override
 * the seed (default 1) and the length in seconds (default 60).
 */
@DisabledIfSystemProperty(
        named = "koordinator.chaos",
        matches = "false",
        disabledReason =
                "the one-minute chaos run is skipped only on request (-Dkoordinator.chaos=false), for quick local runs")
class ChaosIT {
    private static final Pattern LAST =
            Pattern.compile("chaos: ops=(\\d+) faults=(\\d+) violations=(\\d+) seed=(-?\\d+)");

    @Test
    void aMinuteOfFaultsLeavesAHistoryThatIsLinearizable(@TempDir Path dir) throws Exception {
        // Given a seed whose schedule has at least five faults of three kinds
        long seed = Long.getLong("koordinator.chaos.seed", 1);
        long seconds = Long.getLong("koordinator.chaos.duration", 60);
        // (the run draws no partition where it cannot make network namespaces, and says so)
        List<FaultKind> kinds = new ArrayList<>(FaultPlan.allKinds());
        if (LocalCluster.podNamespacesUnavailable().isPresent()) {
            kinds.remove(FaultKind.PARTITION);
        }
        List<FaultPlan.Planned> plan = FaultPlan.of(seed, Duration.ofSeconds(seconds), Duration.ofSeconds(6), 3, kinds);
        assertTrue(plan.size() >= 5, "plan: " + plan);
        assertTrue(plan.stream().map(FaultPlan.Planned::kind).distinct().count() >= 3, "plan: " + plan);
        Path history = dir.resolve("history.jsonl");

        // When the chaos run goes through it
        Jars jars = Jars.locate().requireExisting();
        List<String> output = new ArrayList<>();
        List<String> stderr;
        int exit;
        try (ChildProcess chaos = ChildProcess.java(
                "chaos",
                ClusterConfig.DEFAULT_JVM_OPTIONS,
                jars.loadtest().toString(),
                List.of(
                        "chaos",
                        "--duration",
                        Long.toString(seconds),
                        "--seed",
                        Long.toString(seed),
                        "--history",
                        history.toString()))) {
            long deadline =
                    System.nanoTime() + Duration.ofSeconds(seconds + 420).toNanos();
            for (String line = chaos.awaitLine(Duration.ofSeconds(300));
                    line != null && System.nanoTime() < deadline;
                    line = chaos.awaitLine(Duration.ofSeconds(300))) {
                output.add(line);
                System.out.println(line);
            }
            exit = chaos.awaitExit(Duration.ofSeconds(60));
            stderr = chaos.stderrTail();
        }

        // Then the last line counts enough operations and faults, and no violation
        assertTrue(!output.isEmpty(), "no output");
        Matcher m = LAST.matcher(output.get(output.size() - 1));
        assertTrue(
                m.matches(),
                "last line: " + output.get(output.size() - 1) + "; exit " + exit + "; stderr ends:\n"
                        + String.join("\n", stderr));
        long ops = Long.parseLong(m.group(1));
        assertTrue(ops >= 2_000, "ops=" + ops);
        assertTrue(Long.parseLong(m.group(2)) >= 5, "faults=" + m.group(2));
        assertEquals(Long.toString(seed), m.group(4));
        assertNotNull(History.read(history));
        assertTrue(History.read(history).size() >= ops, "the history holds every operation");
        assertEquals(
                "0", m.group(3), String.join("\n", output.subList(Math.max(0, output.size() - 40), output.size())));
        assertEquals(0, exit);
    }
}
