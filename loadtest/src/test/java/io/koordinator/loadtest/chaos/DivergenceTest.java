package io.koordinator.loadtest.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koordinator.loadtest.chaos.ReplicaSampler.Sample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DivergenceTest {
    private static Sample s(int replica, boolean ready, long applied, long position) {
        return new Sample(replica, position, ready, true, applied, position, 0, "d" + applied + "@" + position);
    }

    /** Three replicas that agree: position p holds p / 2 writes. */
    private static List<Sample> healthy() {
        List<Sample> all = new ArrayList<>();
        for (long p = 0; p < 100; p += 10) {
            for (int r = 0; r < 3; r++) {
                all.add(s(r, true, p / 2, p + r));
            }
        }
        // the same position seen by two replicas, same count and digest
        all.add(s(0, true, 25, 50));
        all.add(s(1, true, 25, 50));
        return all;
    }

    @Test
    void replicasThatAgreeAreNotDiverged() {
        assertEquals(List.of(), Divergence.readyWhileDiverged(healthy(), 3, 0));
    }

    @Test
    void aReadyReplicaWhoseAppLostItsStateIsDiverged() {
        // Given replica-3's app restarted empty while its proxy kept delivering from position 120
        List<Sample> all = healthy();
        all.add(s(2, true, 1, 120));
        List<String> problems = Divergence.readyWhileDiverged(all, 3, 0);
        // then replica-3 is blamed, and only it
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("replica-3 was ready while diverged in 1 samples"), problems.get(0));
    }

    @Test
    void notReadyWhileDivergedIsFine() {
        List<Sample> all = healthy();
        all.add(s(2, false, 1, 120));
        assertEquals(List.of(), Divergence.readyWhileDiverged(all, 3, 0));
    }

    @Test
    void aReplayIsDiverged() {
        List<Sample> all = healthy();
        all.add(new Sample(1, 200, true, true, 60, 90, 12, "x"));
        List<String> problems = Divergence.readyWhileDiverged(all, 3, 0);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("replica-2") && problems.get(0).contains("12 writes"), problems.get(0));
    }

    @Test
    void anotherDigestAtTheSamePositionConflicts() {
        Sample a = new Sample(0, 0, true, true, 5, 10, 0, "aaa");
        assertTrue(Divergence.conflicts(a, new Sample(1, 0, true, true, 5, 10, 0, "bbb")));
        assertTrue(Divergence.conflicts(a, new Sample(1, 0, true, true, 4, 12, 0, "ccc")));
        assertTrue(!Divergence.conflicts(a, new Sample(1, 0, true, true, 6, 12, 0, "ccc")));
    }
}
