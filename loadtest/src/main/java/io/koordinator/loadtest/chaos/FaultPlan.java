package io.koordinator.loadtest.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The schedule of a chaos run's faults, a function of the seed alone: the same seed, duration and
 * session timeout give the same faults at the same offsets. The kinds come in shuffled rounds of
 * all kinds, so a short run still sees several; faults do not overlap, and each is healed a few
 * seconds before the next and before the load ends.
 */
final class FaultPlan {
    /**
     * One planned fault.
     *
     * @param kind what
     * @param replica the replica it hits (0-based); unused for a ZooKeeper fault
     * @param at offset from the start of the load
     * @param hold how long the fault lasts before it is healed
     */
    record Planned(FaultKind kind, int replica, Duration at, Duration hold) {}

    private FaultPlan() {}

    static List<Planned> of(long seed, Duration load, Duration sessionTimeout, int replicas, List<FaultKind> kinds) {
        Random rnd = new Random(seed);
        List<Planned> plan = new ArrayList<>();
        List<FaultKind> round = new ArrayList<>();
        long at = 4_000 + rnd.nextInt(2_000);
        long end = load.toMillis() - 5_000;
        for (int i = 0; i < 10_000; i++) {
            if (round.isEmpty()) {
                round.addAll(kinds);
                Collections.shuffle(round, rnd);
            }
            FaultKind kind = round.remove(0);
            long hold = switch (kind) {
                case PROXY_KILL, APP_KILL, REPLICA_KILL -> 1_000 + rnd.nextInt(2_000);
                case ZK_LEADER_KILL -> 2_000 + rnd.nextInt(2_000);
                case SESSION_EXPIRY -> sessionTimeout.toMillis() + 3_000;
                case PROXY_PAUSE -> 1_500 + rnd.nextInt(Math.max(1, (int) sessionTimeout.toMillis() / 2 - 1_500));
                case PARTITION -> 2_000 + rnd.nextInt((int) sessionTimeout.toMillis() + 4_000);
            };
            int replica = rnd.nextInt(replicas);
            if (at + hold > end) {
                break;
            }
            plan.add(new Planned(kind, replica, Duration.ofMillis(at), Duration.ofMillis(hold)));
            at += hold + 3_000 + rnd.nextInt(2_000);
        }
        return plan;
    }

    static List<FaultKind> allKinds() {
        return Arrays.asList(FaultKind.values());
    }
}
