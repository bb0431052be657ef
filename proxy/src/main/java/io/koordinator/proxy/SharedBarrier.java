package io.koordinator.proxy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Sync batching of read barriers: at most one barrier is in flight; every read that arrives while
 * it is waits for the next one, which is issued when the one in flight completes, so after every
 * one of them arrived. A read arriving while none is in flight issues one at once. Under load this
 * costs one barrier per round trip however many reads there are, and no read waits for more than
 * two barriers.
 *
 * <p>Thread-safe: {@link #join} from any thread; completions run on whatever thread completes the
 * barrier (a sequencer thread), so dependents must hand work to their own thread.
 */
final class SharedBarrier {
    private final Supplier<CompletableFuture<Long>> issue;
    private final Object lock = new Object();
    private boolean inFlight; // guarded by lock
    private CompletableFuture<Long> next; // guarded by lock: the reads waiting for the next barrier
    private final LongAdder issued = new LongAdder();
    private final LongAdder joined = new LongAdder();

    /** @param issue obtains one barrier (the sequencer's {@code readBarrier}) */
    SharedBarrier(Supplier<CompletableFuture<Long>> issue) {
        this.issue = issue;
    }

    /** A barrier issued after this call: the one issued now, or the next one. */
    CompletableFuture<Long> join() {
        joined.increment();
        CompletableFuture<Long> mine;
        synchronized (lock) {
            if (inFlight) {
                if (next == null) {
                    next = new CompletableFuture<>();
                }
                return next;
            }
            inFlight = true;
            mine = new CompletableFuture<>();
        }
        launch(mine);
        return mine;
    }

    private void launch(CompletableFuture<Long> target) {
        issued.increment();
        CompletableFuture<Long> barrier;
        try {
            barrier = issue.get();
        } catch (RuntimeException e) {
            barrier = CompletableFuture.failedFuture(e);
        }
        barrier.whenComplete((position, error) -> {
            CompletableFuture<Long> following;
            synchronized (lock) {
                following = next;
                next = null;
                inFlight = following != null;
            }
            if (error != null) {
                target.completeExceptionally(error);
            } else {
                target.complete(position);
            }
            if (following != null) {
                launch(following);
            }
        });
    }

    /** Barriers issued so far. */
    long issued() {
        return issued.sum();
    }

    /** Reads that waited for a barrier so far. */
    long joined() {
        return joined.sum();
    }
}
