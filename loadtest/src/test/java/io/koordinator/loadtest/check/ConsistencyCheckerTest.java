package io.koordinator.loadtest.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.loadtest.load.Operation;
import io.koordinator.loadtest.load.WriteRecord;
import io.koordinator.loadtest.load.WriteRecord.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistencyCheckerTest {
    private static final String RUN = "r1";

    private static WriteRecord append(String token, long sent, long done, Outcome outcome, String returned) {
        return new WriteRecord(
                Operation.APPEND,
                "a-0",
                token,
                0,
                sent,
                done,
                outcome,
                outcome == Outcome.ACKNOWLEDGED ? 200 : 0,
                returned == null ? -1 : returned.length(),
                returned == null ? 0 : WriteRecord.hash(returned, returned.length()));
    }

    private static WriteRecord register(Operation op, String token, long sent, long done, Outcome outcome) {
        return new WriteRecord(op, "p-0", token, 0, sent, done, outcome, 200, -1, 0);
    }

    private static ReplicaState replica(String name, String a0, String p0, List<String> ids) {
        Map<String, String> values = new HashMap<>();
        values.put("a-0", a0);
        values.put("p-0", p0);
        return new ReplicaState(name, "d-" + a0 + "-" + p0, ids.size(), 0, ids, values);
    }

    private static final List<String> IDS = List.of("x-1", "x-2", "y-1");

    @Test
    void consistentReplicasPass() {
        List<WriteRecord> writes = List.of(
                append("r1.0.0;", 0, 10, Outcome.ACKNOWLEDGED, "r1.0.0;"),
                append("r1.1.0;", 5, 20, Outcome.ACKNOWLEDGED, "r1.0.0;r1.1.0;"),
                register(Operation.PUT, "r1.0.1;", 30, 40, Outcome.ACKNOWLEDGED));
        List<ReplicaState> rs = List.of(
                replica("replica-1", "r1.0.0;r1.1.0;", "r1.0.1;", IDS),
                replica("replica-2", "r1.0.0;r1.1.0;", "r1.0.1;", IDS));
        CheckReport report = ConsistencyChecker.check(rs, writes, RUN);
        assertThat(report.problems()).isEmpty();
        assertThat(report.acknowledgedChecked()).isEqualTo(3);
        assertThat(report.summaryLine()).isEqualTo("replicas: 2 identical digest=d-r1.0.0;r1.1.0;-r1.0.1; applied=3");
    }

    @Test
    void differentDigestsOrApplyOrdersDiverge() {
        List<ReplicaState> rs = List.of(
                replica("replica-1", "r1.0.0;r1.1.0;", null, IDS),
                replica("replica-2", "r1.1.0;r1.0.0;", null, List.of("x-1", "y-1", "x-2")));
        CheckReport report = ConsistencyChecker.check(rs, List.of(), RUN);
        assertThat(report.ok()).isFalse();
        assertThat(report.summaryLine()).startsWith("replicas: DIVERGED replica-2 digest=");
        assertThat(report.problems()).anyMatch(p -> p.startsWith("apply order differs at write #1"));
        assertThat(report.problems()).anyMatch(p -> p.startsWith("value of a-0 differs"));
    }

    @Test
    void lostAcknowledgedAppendIsReported() {
        List<WriteRecord> writes = List.of(
                append("r1.0.0;", 0, 10, Outcome.ACKNOWLEDGED, "r1.0.0;"),
                append("r1.1.0;", 5, 20, Outcome.ACKNOWLEDGED, "r1.0.0;r1.1.0;"));
        CheckReport report = ConsistencyChecker.check(List.of(replica("replica-1", "r1.0.0;", null, IDS)), writes, RUN);
        assertThat(report.problems()).contains("a-0: acknowledged append r1.1.0; is lost");
    }

    @Test
    void unknownAppendMayOrMayNotBePresentButRejectedMustNot() {
        List<WriteRecord> writes = List.of(
                append("r1.0.0;", 0, 10, Outcome.UNKNOWN, null),
                append("r1.1.0;", 0, 10, Outcome.UNKNOWN, null),
                append("r1.2.0;", 0, 10, Outcome.REJECTED, null));
        assertThat(ConsistencyChecker.check(List.of(replica("replica-1", "r1.0.0;", null, IDS)), writes, RUN)
                        .ok())
                .isTrue();
        assertThat(ConsistencyChecker.check(List.of(replica("replica-1", "r1.2.0;", null, IDS)), writes, RUN)
                        .problems())
                .containsExactly("a-0: rejected append r1.2.0; was applied");
    }

    @Test
    void duplicatesAreReported() {
        List<WriteRecord> writes = List.of(append("r1.0.0;", 0, 10, Outcome.ACKNOWLEDGED, "r1.0.0;"));
        CheckReport report = ConsistencyChecker.check(
                List.of(replica("replica-1", "r1.0.0;r1.0.0;", null, List.of("x-1", "x-1"))), writes, RUN);
        assertThat(report.problems())
                .contains("a-0: token r1.0.0; applied twice", "replica-1 applied request x-1 twice");
    }

    @Test
    void tokensOfOtherRunsAreIgnoredButUnsentTokensOfThisRunAreNot() {
        List<WriteRecord> writes = List.of(append("r1.0.0;", 0, 10, Outcome.ACKNOWLEDGED, "old.0.0;r1.0.0;"));
        assertThat(ConsistencyChecker.check(List.of(replica("replica-1", "old.0.0;r1.0.0;", null, IDS)), writes, RUN)
                        .ok())
                .isTrue();
        assertThat(ConsistencyChecker.check(
                                List.of(replica("replica-1", "old.0.0;r1.0.0;r1.9.9;", null, IDS)), writes, RUN)
                        .problems())
                .containsExactly("a-0: token r1.9.9; was never sent");
    }

    @Test
    void returnedValueMustBeAPrefixOfTheFinalValue() {
        List<WriteRecord> writes = List.of(
                append("r1.0.0;", 0, 10, Outcome.ACKNOWLEDGED, "r1.0.0;"),
                append("r1.1.0;", 0, 10, Outcome.ACKNOWLEDGED, "r1.1.0;"));
        // Both saw themselves first: impossible in one order.
        CheckReport report =
                ConsistencyChecker.check(List.of(replica("replica-1", "r1.0.0;r1.1.0;", null, IDS)), writes, RUN);
        assertThat(report.problems())
                .containsExactly("a-0: value returned to append r1.1.0; is not a prefix of the final value");
    }

    @Test
    void realTimeOrderOfAppendsIsChecked() {
        // r1.0.0 was acknowledged (t=10) before r1.1.0 was sent (t=20), yet it comes second.
        List<WriteRecord> writes = List.of(
                append("r1.0.0;", 0, 10, Outcome.ACKNOWLEDGED, null), append("r1.1.0;", 20, 30, Outcome.UNKNOWN, null));
        CheckReport report =
                ConsistencyChecker.check(List.of(replica("replica-1", "r1.1.0;r1.0.0;", null, IDS)), writes, RUN);
        assertThat(report.problems()).singleElement().asString().contains("was acknowledged before r1.1.0; was sent");
        // Overlapping in time: either order is fine.
        List<WriteRecord> overlapping = List.of(
                append("r1.0.0;", 0, 25, Outcome.ACKNOWLEDGED, null), append("r1.1.0;", 20, 30, Outcome.UNKNOWN, null));
        assertThat(ConsistencyChecker.check(
                                List.of(replica("replica-1", "r1.1.0;r1.0.0;", null, IDS)), overlapping, RUN)
                        .ok())
                .isTrue();
    }

    @Test
    void registerKeyMustHoldTheEffectOfAWriteThatCouldComeLast() {
        List<WriteRecord> writes = new ArrayList<>(List.of(
                register(Operation.PUT, "r1.0.0;", 0, 10, Outcome.ACKNOWLEDGED),
                register(Operation.PUT, "r1.1.0;", 20, 30, Outcome.ACKNOWLEDGED),
                register(Operation.DELETE, "r1.2.0;", 25, 35, Outcome.ACKNOWLEDGED)));
        // The delete and the second put overlap: either may be last.
        assertThat(ConsistencyChecker.check(List.of(replica("replica-1", null, "r1.1.0;", IDS)), writes, RUN)
                        .ok())
                .isTrue();
        assertThat(ConsistencyChecker.check(List.of(replica("replica-1", null, null, IDS)), writes, RUN)
                        .ok())
                .isTrue();
        // The first put finished before both others started: it cannot be last.
        assertThat(ConsistencyChecker.check(List.of(replica("replica-1", null, "r1.0.0;", IDS)), writes, RUN)
                        .problems())
                .singleElement()
                .asString()
                .startsWith("p-0: final value r1.0.0; is not the effect");
        // An unknown put may have been applied at any time, even last.
        writes.add(register(Operation.PUT, "r1.3.0;", 0, 5, Outcome.UNKNOWN));
        assertThat(ConsistencyChecker.check(List.of(replica("replica-1", null, "r1.3.0;", IDS)), writes, RUN)
                        .ok())
                .isTrue();
    }

    @Test
    void fewerAppliedThanAcknowledgedIsReported() {
        List<WriteRecord> writes = List.of(
                register(Operation.PUT, "r1.0.0;", 0, 10, Outcome.ACKNOWLEDGED),
                register(Operation.PUT, "r1.1.0;", 20, 30, Outcome.ACKNOWLEDGED));
        CheckReport report =
                ConsistencyChecker.check(List.of(replica("replica-1", null, "r1.1.0;", List.of("x-1"))), writes, RUN);
        assertThat(report.problems()).containsExactly("replicas applied 1 writes, fewer than the 2 acknowledged");
    }
}
