package io.koordinator.loadtest.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultPlanTest {
    private static final Duration MINUTE = Duration.ofSeconds(60);
    private static final Duration SESSION = Duration.ofSeconds(6);

    @Test
    void theSeedAloneDecidesTheSchedule() {
        List<FaultPlan.Planned> a = FaultPlan.of(42, MINUTE, SESSION, 3, FaultPlan.allKinds());
        assertEquals(a, FaultPlan.of(42, MINUTE, SESSION, 3, FaultPlan.allKinds()));
        assertNotEquals(a, FaultPlan.of(43, MINUTE, SESSION, 3, FaultPlan.allKinds()));
    }

    @Test
    void faultsDoNotOverlapAndHealBeforeTheLoadEnds() {
        for (long seed = 1; seed <= 50; seed++) {
            List<FaultPlan.Planned> plan = FaultPlan.of(seed, MINUTE, SESSION, 3, FaultPlan.allKinds());
            // A minute holds at least five faults of at least three kinds, as CI needs
            assertTrue(plan.size() >= 5, "seed " + seed + ": " + plan);
            assertTrue(plan.stream().map(FaultPlan.Planned::kind).distinct().count() >= 3, "seed " + seed);
            long previousEnd = 0;
            for (FaultPlan.Planned p : plan) {
                assertTrue(p.at().toMillis() >= previousEnd + 3_000, "seed " + seed + ": " + plan);
                previousEnd = p.at().plus(p.hold()).toMillis();
                assertTrue(p.replica() >= 0 && p.replica() < 3);
                if (p.kind() == FaultKind.SESSION_EXPIRY) {
                    assertTrue(p.hold().compareTo(SESSION) > 0, "an expiry outlasts the session");
                } else if (p.kind() == FaultKind.PROXY_PAUSE) {
                    assertTrue(p.hold().compareTo(SESSION) < 0, "a pause stays within the session");
                } else if (p.kind() == FaultKind.PARTITION) {
                    assertTrue(p.hold().toMillis() >= 2_000, "a partition lasts long enough to be noticed");
                    assertTrue(p.hold().compareTo(SESSION.plusSeconds(6)) < 0, "a partition heals within a run");
                }
            }
            assertTrue(previousEnd <= MINUTE.toMillis() - 5_000);
        }
    }

    @Test
    void partitionsSometimesOutlastTheSession() {
        long longer = 0;
        long shorter = 0;
        for (long seed = 1; seed <= 50; seed++) {
            for (FaultPlan.Planned p : FaultPlan.of(seed, MINUTE, SESSION, 3, List.of(FaultKind.PARTITION))) {
                longer += p.hold().compareTo(SESSION) > 0 ? 1 : 0;
                shorter += p.hold().compareTo(SESSION) < 0 ? 1 : 0;
            }
        }
        assertTrue(longer > 0 && shorter > 0, "longer " + longer + ", shorter " + shorter);
    }

    @Test
    void onlyTheChosenKindsAreDrawn() {
        List<FaultPlan.Planned> plan = FaultPlan.of(7, MINUTE, SESSION, 3, List.of(FaultKind.PROXY_KILL));
        assertTrue(plan.stream().allMatch(p -> p.kind() == FaultKind.PROXY_KILL));
    }
}
