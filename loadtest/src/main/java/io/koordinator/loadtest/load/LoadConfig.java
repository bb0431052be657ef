package io.koordinator.loadtest.load;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of one {@link LoadGenerator} run. The run stops at whichever comes first: {@code
 * maxRequests} requests started, or {@code duration} elapsed.
 *
 * @param targets where requests go (proxies' inbound ports, or bare apps); connection {@code i}
 *     sends to {@code targets[i % targets.size()]}
 * @param connections concurrent closed-loop clients, each with one keep-alive connection
 * @param maxRequests upper bound of requests over all connections
 * @param duration upper bound of the run's length
 * @param appendKeys keys that only get appends (order-sensitive values)
 * @param registerKeys keys that only get PUT and DELETE (last writer wins)
 * @param mix percentages of each operation
 * @param requestTimeout a request without a response by then counts as unknown
 * @param runId prefix of every written token, so tokens are unique across runs
 */
public record LoadConfig(
        List<InetSocketAddress> targets,
        int connections,
        long maxRequests,
        Duration duration,
        int appendKeys,
        int registerKeys,
        Mix mix,
        Duration requestTimeout,
        String runId) {

    public LoadConfig {
        targets = List.copyOf(targets);
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(mix, "mix");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(runId, "runId");
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("at least one target is needed");
        }
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be >= 1: " + connections);
        }
        if (maxRequests < 1) {
            throw new IllegalArgumentException("maxRequests must be >= 1: " + maxRequests);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive: " + duration);
        }
        if (appendKeys < 1 || registerKeys < 1) {
            throw new IllegalArgumentException("appendKeys and registerKeys must be >= 1");
        }
        if (!runId.matches("[A-Za-z0-9]{1,16}")) {
            throw new IllegalArgumentException("runId must be 1-16 letters or digits: " + runId);
        }
    }

    /**
     * Defaults: 8 keys of each kind, the default mix, a 15 s request timeout (above the proxy's
     * default 10 s, so a slow order shows as the proxy's 504 rather than a client timeout).
     */
    public static LoadConfig of(List<InetSocketAddress> targets, int connections, long maxRequests, Duration duration) {
        return new LoadConfig(
                targets,
                connections,
                maxRequests,
                duration,
                8,
                8,
                Mix.DEFAULT,
                Duration.ofSeconds(15),
                Long.toString(System.nanoTime() & 0xFFFFFFL, 36));
    }

    public LoadConfig withMix(Mix v) {
        return new LoadConfig(
                targets, connections, maxRequests, duration, appendKeys, registerKeys, v, requestTimeout, runId);
    }

    public LoadConfig withKeys(int appends, int registers) {
        return new LoadConfig(
                targets, connections, maxRequests, duration, appends, registers, mix, requestTimeout, runId);
    }

    public LoadConfig withRequestTimeout(Duration v) {
        return new LoadConfig(targets, connections, maxRequests, duration, appendKeys, registerKeys, mix, v, runId);
    }

    /**
     * Percentages of each operation; they add up to 100.
     *
     * @param append {@code POST /kv/a-<i>/append}
     * @param put {@code PUT /kv/p-<i>}
     * @param delete {@code DELETE /kv/p-<i>}
     * @param get {@code GET} on any workload key
     */
    public record Mix(int append, int put, int delete, int get) {
        public static final Mix DEFAULT = new Mix(40, 25, 10, 25);
        public static final Mix WRITES_ONLY = new Mix(50, 35, 15, 0);

        public Mix {
            if (append < 0 || put < 0 || delete < 0 || get < 0 || append + put + delete + get != 100) {
                throw new IllegalArgumentException("mix percentages must be >= 0 and add up to 100");
            }
        }

        Operation pick(int percent) {
            if (percent < append) {
                return Operation.APPEND;
            } else if (percent < append + put) {
                return Operation.PUT;
            } else if (percent < append + put + delete) {
                return Operation.DELETE;
            }
            return Operation.GET;
        }
    }
}
