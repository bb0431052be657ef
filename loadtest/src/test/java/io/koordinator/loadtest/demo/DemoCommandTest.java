package io.koordinator.loadtest.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
    @Test
    void defaultLoadShrinksWhenStartUpWasSlowButNotBelowTenSeconds() {
        assertThat(DemoCommand.loadWithinBudget(Duration.ofSeconds(8))).isEqualTo(Duration.ofSeconds(20));
        assertThat(DemoCommand.loadWithinBudget(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(15));
        assertThat(DemoCommand.loadWithinBudget(Duration.ofSeconds(50))).isEqualTo(Duration.ofSeconds(10));
    }
}
