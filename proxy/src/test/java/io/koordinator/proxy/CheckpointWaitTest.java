package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LongSummaryStatistics;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Each replica draws the wait before its next checkpoint, so replicas started together drift apart. */
class CheckpointWaitTest {
    @Test
    void waitsLieBetweenThreeQuartersOfTheIntervalAndAllOfItAndSpreadOverThem() {
        long interval = 30_000_000_000L;
        Random random = new Random(7);
        LongSummaryStatistics waits = LongStream.range(0, 10_000)
                .map(i -> Checkpointer.drawWait(interval, random))
                .summaryStatistics();
        assertThat(waits.getMin()).isGreaterThanOrEqualTo(interval * 3 / 4).isLessThan(interval * 76 / 100);
        assertThat(waits.getMax()).isLessThanOrEqualTo(interval).isGreaterThan(interval * 99 / 100);
        assertThat(waits.getAverage()).isBetween(interval * 0.87, interval * 0.88);
    }

    @Test
    void theShortestIntervalsStillDrawWithinThem() {
        Random random = new Random(7);
        for (long interval : new long[] {1, 2, 3}) {
            for (int i = 0; i < 100; i++) {
                assertThat(Checkpointer.drawWait(interval, random)).isBetween(interval - interval / 4, interval);
            }
        }
    }
}
