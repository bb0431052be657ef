package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;

/** The access log line's text form: the fields in a fixed order, {@code -} for what a request lacks. */
class AccessLogTest {
    @Test
    void textFormListsTheFieldsInOrder() {
        AccessLog.Line line = new AccessLog.Line()
                .with("target", "/kv/a")
                .with("status", 200)
                .with("requestId", "r1-17")
                .with("position", 4294967296L)
                .with("origin", "r1")
                .with("class", "ordered")
                .with("latencyMicros", 812L)
                .with("client", "/127.0.0.1:5000")
                .with("method", "PUT");
        String expected = "requestId=r1-17 position=4294967296 origin=r1 class=ordered status=200"
                + " latencyMicros=812 client=/127.0.0.1:5000 method=PUT target=/kv/a";
        assertThat(line.getFormattedMessage()).isEqualTo(expected);
        // The text appender's layout, as log4j2.xml has it for the access log.
        PatternLayout layout = PatternLayout.newBuilder().withPattern("%msg").build();
        assertThat(layout.toSerializable(
                        Log4jLogEvent.newBuilder().setMessage(line).build()))
                .isEqualTo(expected);
    }

    @Test
    void aPassThroughRequestHasNoIdAndNoPosition() {
        AccessLog.Line line = new AccessLog.Line()
                .with("origin", "r1")
                .with("class", "pass_through")
                .with("status", 204);
        assertThat(line.getFormattedMessage())
                .startsWith("requestId=- position=- origin=r1 class=pass_through status=204 latencyMicros=-");
    }
}
