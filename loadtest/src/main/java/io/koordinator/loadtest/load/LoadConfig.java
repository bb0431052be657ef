package io.koordinator.loadtest.load;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Settings of one {@link LoadGenerator} run. The run stops at whichever comes first: {@code
 * maxRequests} requests started, or {@code warmup} plus {@code duration} elapsed.
 *
 * @param targets where requests go (proxies' inbound ports, or bare apps); connection {@code i}
 *     sends to {@code targets[i % targets.size()]}
 * @param connections concurrent clients, each with one keep-alive connection
 * @param maxRequests upper bound of requests over all connections, warm-up included
 * @param duration upper bound of the measured part of the run
 * @param appendKeys keys that only get appends (order-sensitive values)
 * @param registerKeys keys that only get PUT and DELETE (last writer wins)
 * @param mix percentages of each operation
 * @param requestTimeout a request without a response by then counts as unknown
 * @param runId prefix of every written token, so tokens are unique across runs
 * @param rate requests per second over all connections in open loop (each connection sends on
 *     its own fixed schedule of {@code rate / connections}); 0 for closed loop (each connection
 *     sends its next request when the previous one is done)
 * @param warmup unmeasured load before the measured {@code duration}; its writes are still
 *     recorded for the checker
 * @param keyDistribution how a key is picked within its family
 * @param valueBytes length of each written token (PUT value, append suffix), padded with {@code
 *     x}; 0 for the bare token
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
        String runId,
        double rate,
        Duration warmup,
        KeyDistribution keyDistribution,
        int valueBytes) {

    /** Longest token padding; the kv-app takes bodies up to 1 MiB. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;

    /** How a key is picked within its family. */
    public enum KeyDistribution {
        /** Every key equally likely. */
        UNIFORM,
        /**
         * Key {@code i} (0-based) with probability proportional to {@code 1 / (i + 1)^}{@value
         * KeyChooser#ZIPF_EXPONENT}, YCSB's default skew: a few hot keys take most of the writes.
         */
        ZIPFIAN
    }

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
        Objects.requireNonNull(warmup, "warmup");
        Objects.requireNonNull(keyDistribution, "keyDistribution");
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate must be >= 0 (0 for closed loop): " + rate);
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup must not be negative: " + warmup);
        }
        if (valueBytes < 0 || valueBytes > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("valueBytes must be 0-" + MAX_VALUE_BYTES + ": " + valueBytes);
        }
    }

    /** True when requests go out on a fixed schedule ({@link #rate()} above 0). */
    public boolean openLoop() {
        return rate > 0;
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
                Long.toString(System.nanoTime() & 0xFFFFFFL, 36),
                0,
                Duration.ZERO,
                KeyDistribution.UNIFORM,
                0);
    }

    public LoadConfig withMix(Mix v) {
        return with(b -> b.mix = v);
    }

    public LoadConfig withKeys(int appends, int registers) {
        return with(b -> {
            b.appendKeys = appends;
            b.registerKeys = registers;
        });
    }

    public LoadConfig withRequestTimeout(Duration v) {
        return with(b -> b.requestTimeout = v);
    }

    /** Open loop at {@code v} requests per second over all connections; 0 for closed loop. */
    public LoadConfig withRate(double v) {
        return with(b -> b.rate = v);
    }

    public LoadConfig withWarmup(Duration v) {
        return with(b -> b.warmup = v);
    }

    public LoadConfig withKeyDistribution(KeyDistribution v) {
        return with(b -> b.keyDistribution = v);
    }

    public LoadConfig withValueBytes(int v) {
        return with(b -> b.valueBytes = v);
    }

    private LoadConfig with(Consumer<Builder> change) {
        Builder b = new Builder(this);
        change.accept(b);
        return b.build();
    }

    /** The fields a wither may change, copied from a config; {@link #build()} validates. */
    private static final class Builder {
        private final LoadConfig from;
        int appendKeys;
        int registerKeys;
        Mix mix;
        Duration requestTimeout;
        double rate;
        Duration warmup;
        KeyDistribution keyDistribution;
        int valueBytes;

        Builder(LoadConfig from) {
            this.from = from;
            appendKeys = from.appendKeys;
            registerKeys = from.registerKeys;
            mix = from.mix;
            requestTimeout = from.requestTimeout;
            rate = from.rate;
            warmup = from.warmup;
            keyDistribution = from.keyDistribution;
            valueBytes = from.valueBytes;
        }

        LoadConfig build() {
            return new LoadConfig(
                    from.targets,
                    from.connections,
                    from.maxRequests,
                    from.duration,
                    appendKeys,
                    registerKeys,
                    mix,
                    requestTimeout,
                    from.runId,
                    rate,
                    warmup,
                    keyDistribution,
                    valueBytes);
        }
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
