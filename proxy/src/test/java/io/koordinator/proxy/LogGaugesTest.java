package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.Positions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogGaugesTest {
    @ParameterizedTest
    @CsvSource({
        // tail segment, tail sequence, floor segment (-1: none), floor sequence, entries
        "-1, 0, -1, 0, 0",
        "0, 0, -1, 0, 1",
        "0, 41, -1, 0, 42",
        "0, 41, 0, 40, 2",
        "0, 41, 0, 41, 1",
        "3, 9, 2, 500, 10",
        "3, 9, 3, 5, 5",
    })
    void entriesOfTheNewestSegmentFromTheFloor(int tailSegment, long tailSeq, int floorSegment, long floorSeq, long n) {
        long tail = tailSegment < 0 ? Positions.NONE : Positions.entry(tailSegment, tailSeq);
        long floor = floorSegment < 0 ? Positions.NONE : Positions.entry(floorSegment, floorSeq);
        assertThat(LogGauges.segmentEntries(tail, floor)).isEqualTo(n);
    }
}
