package io.koordinator.proxy;

import io.koordinator.proxy.state.CachedResponse;
import io.koordinator.proxy.state.ReplicaCheckpoint;
import io.koordinator.proxy.state.ResponseCache;
import io.koordinator.proxy.state.StateDigest;
import io.koordinator.proxy.state.StateStore;
import io.koordinator.sequencer.Command;
import io.koordinator.sequencer.LogCheckpoint;
import io.koordinator.sequencer.Positions;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a replica records about each delivery, besides the app's own state: the digest chain, the
 * delivery count, the response cache of {@code Idempotency-Key} commands, and the journal in the
 * {@link StateStore}. Together with the follower's {@link LogCheckpoint} this is the {@link
 * ReplicaCheckpoint}.
 *
 * <p>The digest is published every {@code digestEvery} deliveries: the count is the same on every
 * replica (it is part of the checkpoint), so replicas publish at the same positions.
 *
 * <p>Threading: the delivery thread calls every mutator; {@link #checkpoint} runs while delivery
 * is paused between two commands; {@link #published} and the getters may be read anywhere.
 */
final class ReplicaLedger {
    /** A digest at a position, as published. */
    record PublishedDigest(long position, StateDigest digest) {}

    private static final int KEEP_PUBLISHED = 64;

    private final StateStore store;
    private final int digestEvery;
    private final ResponseCache responses;
    private volatile StateDigest digest;
    private volatile long delivered;
    private volatile long position;
    private final ArrayDeque<PublishedDigest> published = new ArrayDeque<>(); // guarded by itself

    ReplicaLedger(StateStore store, ReplicaCheckpoint from, int responseCacheEntries, int digestEvery) {
        this.store = store;
        this.digestEvery = digestEvery;
        this.responses = new ResponseCache(responseCacheEntries, from.responses());
        this.digest = from.digest();
        this.delivered = from.delivered();
        this.position = from.position();
    }

    /** The command at {@code position} is about to go to the app. */
    void intent(long at, Command command) {
        store.intent(at, command);
    }

    /** The app answered the command at {@code at}; returns the new digest. */
    StateDigest delivered(long at, Command command, int status, List<Map.Entry<String, String>> headers, byte[] body) {
        StateDigest next = digest.next(at, status, body);
        CachedResponse cached = null;
        if (command.idempotencyKey() != null) {
            cached = new CachedResponse(status, headers, body);
            responses.put(at, command.idempotencyKey(), cached);
        }
        store.done(at, status, next, cached);
        digest = next;
        position = at;
        long count = delivered + 1;
        delivered = count;
        if (digestEvery > 0 && count % digestEvery == 0) {
            synchronized (published) {
                published.addLast(new PublishedDigest(at, next));
                while (published.size() > KEEP_PUBLISHED) {
                    published.removeFirst();
                }
            }
        }
        return next;
    }

    /** The command at {@code at} was skipped as a duplicate. */
    void duplicate(long at, Command command) {
        store.duplicate(at, command);
        position = at;
    }

    /** The original response to an {@code Idempotency-Key}, while the cache holds it. */
    Optional<ResponseCache.Entry> cached(String idempotencyKey) {
        return responses.get(idempotencyKey);
    }

    /** The whole checkpoint as of {@code log}; call while delivery is paused. */
    ReplicaCheckpoint checkpoint(LogCheckpoint log, long appIncarnation, String logIdentity) {
        if (log.position() != position) {
            throw new IllegalStateException("checkpoint of the log at " + Positions.format(log.position())
                    + " but the ledger is at " + Positions.format(position));
        }
        return new ReplicaCheckpoint(log, digest, delivered, responses.entries(), appIncarnation, logIdentity);
    }

    StateDigest digest() {
        return digest;
    }

    long deliveredCount() {
        return delivered;
    }

    long position() {
        return position;
    }

    int cachedResponses() {
        return responses.size();
    }

    /** The latest published digest, if any. */
    Optional<PublishedDigest> latestPublished() {
        synchronized (published) {
            return Optional.ofNullable(published.peekLast());
        }
    }

    /** The digest this replica published at {@code at}, if it still remembers it. */
    Optional<StateDigest> publishedAt(long at) {
        synchronized (published) {
            for (PublishedDigest d : published) {
                if (d.position() == at) {
                    return Optional.of(d.digest());
                }
            }
        }
        return Optional.empty();
    }
}
