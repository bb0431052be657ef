package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.SequencerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The floor node's format and the retention margin, without a server. */
class ZkCompactionRulesTest {

    @ParameterizedTest(name = "durable {0}:{1}, keep {2} -> {3}")
    @CsvSource({
        "0, 100, 10, 0:90:0",
        "0, 10, 10, 0:0:0",
        "0, 5, 10, none",
        "2, 5, 10, 1:15:0", // back into the previous segment: its seal lies at 20 or later
        "1, 3, 30, 0:0:0", // never below sequence 0 of the previous segment
        "3, 7, 0, 3:7:0",
    })
    void theRetentionMarginGoesBackByEntries(int segment, long sequence, long keep, String expected) {
        SequencerConfig config = SequencerConfig.defaults("127.0.0.1:1", "g", "r")
                .withSegmentRollover(20)
                .withCompaction(Duration.ofSeconds(1), keep, Duration.ZERO);
        ZkSequencer owner = new ZkSequencer(config);
        try {
            ZkCompactor compactor = owner.compactor();
            assertThat(Positions.format(compactor.retainEntries(Positions.entry(segment, sequence))))
                    .isEqualTo(expected);
        } finally {
            owner.close();
        }
    }

    @Test
    void theFloorNodeRoundTrips() {
        byte[] data = ZkFloor.encode(Positions.entry(1, 5), Positions.entry(1, 2));
        assertThat(new String(data, StandardCharsets.UTF_8))
                .contains("\"floor\"")
                .contains("\"deletedBelow\"");
        assertThat(ZkFloor.decode(data)).isEqualTo(new ZkFloor.Data(Positions.entry(1, 5), Positions.entry(1, 2)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "{\"floor\":-5,\"deletedBelow\":-1}", "[1,2]"})
    void aFloorNodeThatDoesNotParseIsNeverTakenForNoFloor(String data) {
        assertThatThrownBy(() -> ZkFloor.decode(data.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void compactionOffMeansNoCompactor() {
        ZkSequencer owner = new ZkSequencer(
                SequencerConfig.defaults("127.0.0.1:1", "g", "r").withCompaction(Duration.ZERO, 10, Duration.ZERO));
        try {
            assertThat(owner.compactor()).isNull();
            assertThat(owner.isCompactionLeader()).isFalse();
            assertThat(owner.compactionFloor()).isEqualTo(Positions.NONE);
        } finally {
            owner.close();
        }
    }

    @Test
    void negativeCompactionSettingsAreRejected() {
        SequencerConfig config = SequencerConfig.defaults("zk:2181", "g", "r");
        assertThatThrownBy(() -> config.withCompaction(Duration.ofSeconds(-1), 10, Duration.ZERO))
                .hasMessageContaining("compactionInterval");
        assertThatThrownBy(() -> config.withCompaction(Duration.ofSeconds(1), -1, Duration.ZERO))
                .hasMessageContaining("compactionRetainEntries");
        assertThatThrownBy(() -> config.withCompaction(Duration.ofSeconds(1), 1, Duration.ofSeconds(-1)))
                .hasMessageContaining("compactionRetainAge");
    }
}
