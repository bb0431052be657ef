package io.koordinator.sequencer.zk;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.ReplicaInfo;
import io.koordinator.sequencer.SequencerConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ZkLayoutTest {
    private final ZkLayout layout = new ZkLayout(SequencerConfig.defaults("zk:2181", "default.kv", "r-1"));

    @Test
    void pathsArePaddedAndUnderTheGroup() {
        assertThat(layout.logPath()).isEqualTo("/koordinator/groups/default.kv/log");
        assertThat(layout.segmentPath(3)).isEqualTo("/koordinator/groups/default.kv/log/0000000003");
        assertThat(layout.entryPrefix(0)).isEqualTo("/koordinator/groups/default.kv/log/0000000000/e-");
        assertThat(layout.entryPath(1, 42)).isEqualTo("/koordinator/groups/default.kv/log/0000000001/e-0000000042");
        assertThat(layout.replicaPath("r-1")).isEqualTo("/koordinator/groups/default.kv/replicas/r-1");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/koordinator/groups/default.kv/log/0000000001/e-0000000042, 1:42:0",
        "/koordinator/groups/default.kv/log/0000000000/e-2147483647, 0:2147483647:0",
        "/koordinator/groups/default.kv/log/0000000000/e-2147483648, none",
        "/koordinator/groups/default.kv/log/0000000000, none",
        "/koordinator/groups/default.kv/log/0000000000/x-0000000001, none",
        "/koordinator/groups/default.kv/log/000000000a/e-0000000001, none",
        "/koordinator/groups/default.kv/log/0000000000/e-000000001, none",
        "/koordinator/groups/default.kv/replicas/r-1, none",
        "/koordinator/groups/other/log/0000000000/e-0000000001, none",
        "/koordinator/groups/default.kv/log/0000000000/e--000000001, none",
    })
    void entryPathsParseStrictly(String path, String position) {
        assertThat(Positions.format(layout.parseEntryPosition(path))).isEqualTo(position);
    }

    @Test
    void tenDigitsPadsAsStringFormatDoes() {
        for (long n : new long[] {
            0,
            7,
            10,
            99,
            123_456_789,
            999_999_999,
            1_000_000_000L,
            9_999_999_999L,
            10_000_000_000L,
            Integer.MAX_VALUE,
            Long.MAX_VALUE,
            -1,
            -42
        }) {
            assertThat(ZkLayout.tenDigits(n)).as("%d", n).isEqualTo(String.format("%010d", n));
        }
    }

    @Test
    void replicaDataIsJsonThatReadsBack() {
        ReplicaInfo info = new ReplicaInfo("r-\"1\"", "10.0.0.7:16000\n", 123, 120, true, "DELIVERING", 100, "ab12");
        byte[] json = ReplicaRegistry.json(info);
        assertThat(new String(json, StandardCharsets.UTF_8))
                .startsWith("{\"replicaId\":\"r-\\\"1\\\"\",\"address\":\"10.0.0.7:16000\\n\"");
        assertThat(ReplicaRegistry.parse(json)).isEqualTo(info);
    }

    @Test
    void replicaDataFromANewerVersionStillReads() {
        byte[] json = ("{\"replicaId\":\"r1\",\"address\":\"a:1\",\"appliedPosition\":5,\"ready\":false,"
                        + "\"somethingNew\":[1,2]}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(ReplicaRegistry.parse(json).appliedPosition()).isEqualTo(5);
    }
}
