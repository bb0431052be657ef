package io.koordinator.proxy;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpMethod;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The place of one request's response in its connection's response order (HTTP/1.1 pipelining).
 * Whoever answers first wins: the app's response, a local reply, or the request timeout; later
 * answers are released unread.
 *
 * <p>Threading: {@link #complete} may be called from any thread and hands the reply to the
 * connection's event loop; every other field is touched only on that event loop.
 */
final class ResponseSlot {
    final HttpMethod method;
    final String uri;
    final boolean keepAlive;
    /** An HTTP/1.0 client keeps the connection only if the response says keep-alive. */
    final boolean http10;

    final long acceptNanos;

    /** "ordered", "pass_through" or "rejected": the label of the request counters. */
    String requestClass = "rejected";
    /** The client sent {@code Expect: 100-continue} and has not been told to go on yet. */
    boolean needsContinue;
    /** Close the connection after this response (its framing can no longer be trusted). */
    boolean closeAfter;
    /** The answer, once it reached the event loop. */
    Reply reply;
    /** The ordered request's id, once it has one (set before it is appended; for the access log). */
    volatile RequestId requestId;
    /** The position the request was delivered at, or {@link Positions#NONE} (set before {@link #complete}). */
    volatile long position = Positions.NONE;
    /** The position the ordered request's command was appended at, once the append returned; else NONE. */
    volatile long appendedAt = Positions.NONE;
    /** The request timeout, cancelled once answered. */
    ScheduledFuture<?> timeout;
    /** The connection dropped this slot; a reply arriving later is released. */
    private boolean abandoned;

    private final EventLoop loop;
    private final Consumer<ResponseSlot> onAnswer;
    private final AtomicBoolean answered = new AtomicBoolean(); // any thread
    private volatile Runnable cleanup; // set on the event loop, run by the winning thread

    ResponseSlot(
            EventLoop loop,
            Consumer<ResponseSlot> onAnswer,
            HttpMethod method,
            String uri,
            boolean keepAlive,
            boolean http10) {
        this.loop = loop;
        this.onAnswer = onAnswer;
        this.method = method;
        this.uri = uri;
        this.keepAlive = keepAlive;
        this.http10 = http10;
        this.acceptNanos = System.nanoTime();
    }

    /**
     * Runs {@code cleanup} once when the slot is answered or abandoned, on whichever thread does
     * that, after the cleanups registered before it. Register before the slot can be answered.
     */
    void onCleanup(Runnable cleanup) {
        Runnable before = this.cleanup;
        this.cleanup = before == null
                ? cleanup
                : () -> {
                    before.run();
                    cleanup.run();
                };
    }

    /** Answers the request; returns false (and releases {@code r}) if it was answered already. */
    boolean complete(Reply r) {
        if (!answered.compareAndSet(false, true)) {
            r.release();
            return false;
        }
        runCleanup();
        if (loop.inEventLoop()) {
            deliver(r);
        } else {
            try {
                loop.execute(() -> deliver(r));
            } catch (RejectedExecutionException e) {
                r.release();
            }
        }
        return true;
    }

    boolean isAnswered() {
        return answered.get();
    }

    /** The connection went away: later answers are released. */
    void abandon() {
        abandoned = true;
        if (answered.compareAndSet(false, true)) {
            runCleanup();
        }
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (reply != null) {
            reply.release();
            reply = null;
        }
    }

    private void deliver(Reply r) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (abandoned) {
            r.release();
            return;
        }
        reply = r;
        onAnswer.accept(this);
    }

    private void runCleanup() {
        Runnable c = cleanup;
        if (c != null) {
            cleanup = null;
            c.run();
        }
    }
}
