package io.koordinator.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

/** The open-loop schedule and the key distributions, without a network. */
class LoadScheduleTest {

    @Test
    void connectionsShareTheRateOnOneGridEachOffsetByItsShare() {
        // 1,000 req/s over 4 connections: each sends every 4 ms, the four 1 ms apart.
        OpenLoopSchedule c0 = OpenLoopSchedule.of(1_000_000L, 1000, 4, 0);
        OpenLoopSchedule c3 = OpenLoopSchedule.of(1_000_000L, 1000, 4, 3);

        assertThat(c0.intervalNanos()).isEqualTo(4_000_000L);
        assertThat(c0.intended(0)).isEqualTo(1_000_000L);
        assertThat(c0.intended(10)).isEqualTo(41_000_000L);
        assertThat(c3.intended(0)).isEqualTo(4_000_000L);
        assertThat(c3.intended(1) - c3.intended(0)).isEqualTo(4_000_000L);
    }

    @Test
    void scheduleNeedsAPositiveInterval() {
        assertThatThrownBy(() -> new OpenLoopSchedule(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void zipfianKeysFollowRankToThePowerOfTheExponent() {
        int[] counts = sample(LoadConfig.KeyDistribution.ZIPFIAN, 100, 200_000);

        // P(rank r) ~ 1/r^0.99: rank 1 is about 2^0.99 = 1.99 times rank 2, and 10^0.99 = 9.8
        // times rank 10; with 200,000 draws both ratios are within a few percent.
        assertThat((double) counts[0] / counts[1]).isBetween(1.85, 2.15);
        assertThat((double) counts[0] / counts[9]).isBetween(8.5, 11.0);
        // The hottest key takes about 1/H(100, 0.99) = 19% of all draws.
        assertThat(counts[0] / 200_000.0).isBetween(0.17, 0.21);
        assertThat(counts[99]).isPositive();
    }

    @Test
    void uniformKeysAreEvenlySpread() {
        int[] counts = sample(LoadConfig.KeyDistribution.UNIFORM, 100, 200_000);

        // 2,000 expected per key, standard deviation about 45.
        assertThat(Arrays.stream(counts).min().orElseThrow()).isGreaterThan(1_750);
        assertThat(Arrays.stream(counts).max().orElseThrow()).isLessThan(2_250);
    }

    @Test
    void oneKeyIsAlwaysKeyZero() {
        assertThat(sample(LoadConfig.KeyDistribution.ZIPFIAN, 1, 1000)).containsExactly(1000);
    }

    private static int[] sample(LoadConfig.KeyDistribution distribution, int keys, int draws) {
        KeyChooser chooser = new KeyChooser(distribution, keys, RandomSource.SPLIT_MIX_64.create(42L));
        int[] counts = new int[keys];
        for (int i = 0; i < draws; i++) {
            counts[chooser.next()]++;
        }
        return counts;
    }
}
