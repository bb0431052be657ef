package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.SequencerUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SharedBarrierTest {
    /** Barriers issued, completed by the test. */
    private final List<CompletableFuture<Long>> issued = new ArrayList<>();

    private final SharedBarrier barriers = new SharedBarrier(() -> {
        CompletableFuture<Long> f = new CompletableFuture<>();
        issued.add(f);
        return f;
    });

    @Test
    void readsArrivingDuringABarrierShareTheNextOne() {
        // given a read that issued barrier 1
        CompletableFuture<Long> first = barriers.join();
        assertThat(issued).hasSize(1);

        // when three reads arrive while it is in flight
        List<CompletableFuture<Long>> later = List.of(barriers.join(), barriers.join(), barriers.join());

        // then they issue nothing yet, and do not take barrier 1's answer
        assertThat(issued).hasSize(1);
        issued.get(0).complete(10L);
        assertThat(first).isCompletedWithValue(10L);
        later.forEach(f -> assertThat(f).isNotDone());

        // and barrier 2, issued once barrier 1 completed, answers all three
        assertThat(issued).hasSize(2);
        issued.get(1).complete(12L);
        later.forEach(f -> assertThat(f).isCompletedWithValue(12L));
        assertThat(barriers.issued()).isEqualTo(2);
        assertThat(barriers.joined()).isEqualTo(4);
    }

    @Test
    void anIdleBarrierIsIssuedAtOnce() {
        barriers.join();
        issued.get(0).complete(1L);
        CompletableFuture<Long> next = barriers.join();
        assertThat(issued).hasSize(2);
        issued.get(1).complete(2L);
        assertThat(next).isCompletedWithValue(2L);
    }

    @Test
    void aFailedBarrierFailsItsReadsOnlyAndTheNextIsStillIssued() {
        CompletableFuture<Long> first = barriers.join();
        CompletableFuture<Long> second = barriers.join();
        issued.get(0).completeExceptionally(new SequencerUnavailableException("ZooKeeper away"));
        assertThat(first).isCompletedExceptionally();
        assertThat(second).isNotDone();
        issued.get(1).complete(5L);
        assertThat(second).isCompletedWithValue(5L);
    }

    @Test
    void aBarrierThatCompletesAtOnceLeavesNothingInFlight() {
        SharedBarrier instant = new SharedBarrier(() -> CompletableFuture.completedFuture(7L));
        assertThat(instant.join()).isCompletedWithValue(7L);
        assertThat(instant.join()).isCompletedWithValue(7L);
        assertThat(instant.issued()).isEqualTo(2);
    }
}
