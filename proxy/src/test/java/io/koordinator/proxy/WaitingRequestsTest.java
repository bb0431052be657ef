package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.CharsetUtil;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A replica that took the group's state past commands its own clients wait for (a peer's snapshot
 * after its app restarted) answers those clients at once, that the outcome is unknown here,
 * instead of leaving them to their request timeout; the requests after that state keep waiting
 * for their delivery.
 */
class WaitingRequestsTest {
    private final EventLoop loop = new DefaultEventLoop();
    private final Map<Long, String> answers = new ConcurrentHashMap<>();
    private final WaitingRequests waiting = new WaitingRequests();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
    }

    private ResponseSlot park(long counter, long appendedAt) {
        ResponseSlot slot = new ResponseSlot(
                loop,
                s -> answers.put(
                        counter,
                        s.reply.response().status().code() + " "
                                + s.reply.response().content().toString(CharsetUtil.UTF_8)),
                HttpMethod.PUT,
                "/kv/" + counter,
                true,
                false);
        waiting.park(new RequestId("r1", counter), slot);
        slot.appendedAt = appendedAt;
        return slot;
    }

    @Test
    void requestsAppendedUpToTheRestoredStateAreAnsweredAndTheRestKeepWaiting() {
        park(1, 10);
        park(2, 20);
        ResponseSlot after = park(3, 21);
        ResponseSlot notYetAppended = park(4, Positions.NONE);

        int answered = waiting.answerAppendedUpTo(20, "r1/test");

        assertThat(answered).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> answers.size() == 2);
        assertThat(answers.get(1L))
                .startsWith(HttpResponseStatus.GATEWAY_TIMEOUT.code() + " ")
                .contains("outcome_unknown")
                .contains("applied the command at " + Positions.format(10));
        assertThat(answers.get(2L)).contains("applied the command at " + Positions.format(20));
        assertThat(waiting.size()).isEqualTo(2);
        assertThat(after.isAnswered()).isFalse();
        assertThat(notYetAppended.isAnswered()).isFalse();
        // and a later delivery still claims the one after the restored state
        assertThat(waiting.claim(new RequestId("r1", 3))).isSameAs(after);
    }

    @Test
    void aStartFromNothingAnswersNobody() {
        park(1, 0);
        assertThat(waiting.answerAppendedUpTo(Positions.NONE, "r1/test")).isZero();
        assertThat(waiting.size()).isEqualTo(1);
    }
}
