package io.koordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"2ms, 2", "0ms, 0", "0, 0", "30s, 30000", "5m, 300000", "1h, 3600000", " 60s , 60000"})
    void parsesTheSmallForm(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", "2", "ms", "1.5s", "-1s", "2 ms", "1d", "PT1S", "1234567890s"})
    void rejectsEverythingElse(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a duration");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"2ms", "1500ms", "30s", "90s", "5m", "2h", "0s"})
    void formatReadsBack(String text) {
        assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
    }
}
