package io.koordinator.proxy;

import io.koordinator.sequencer.SequencerStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The proxy's metrics in its own Prometheus registry (so several proxies can run in one process),
 * plus plain counters for {@code /status}. Thread-safe.
 */
final class ProxyMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();

    private final Counter requests = Counter.builder()
            .name("koordinator_proxy_requests_total")
            .help("Requests answered, by class (ordered, linearizable, pass_through, rejected) and status")
            .labelNames("class", "status")
            .register(registry);
    private final Counter localReplies = Counter.builder()
            .name("koordinator_proxy_local_replies_total")
            .help("Replies the proxy made itself, by status and error")
            .labelNames("status", "error")
            .register(registry);
    private final Histogram orderingLatency = latency(
            "koordinator_proxy_ordering_latency_seconds",
            "Ordered requests at their origin: from accepting the request to its delivery answered by the app");
    private final Histogram appendLatency = latency(
            "koordinator_proxy_append_latency_seconds",
            "Ordered requests at their origin: from accepting the request to ZooKeeper acknowledging its append");
    private final Histogram deliveryPause = Histogram.builder()
            .name("koordinator_proxy_delivery_pause_seconds")
            .help("Delivery held between two commands, from asking for the pause (so including the"
                    + " delivery under way) to its end: for a checkpoint, or for the app's snapshot")
            .labelNames("for")
            .classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10)
            .register(registry);
    private final Histogram commandsPerEntry = Histogram.builder()
            .name("koordinator_proxy_commands_per_entry")
            .help("Commands in each log entry this replica delivered (batching)")
            .classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
            .register(registry);
    private final Counter delivered = Counter.builder()
            .name("koordinator_proxy_delivered_total")
            .help("Commands delivered to the app")
            .register(registry);
    private final Counter duplicates = Counter.builder()
            .name("koordinator_proxy_duplicates_total")
            .help("Commands skipped as duplicates")
            .register(registry);

    private final Gauge replicaState = Gauge.builder()
            .name("koordinator_replica_state")
            .help("1 for the state the replica is in, 0 for the others")
            .labelNames("state")
            .register(registry);
    private final Counter replicaTransitions = Counter.builder()
            .name("koordinator_replica_transitions_total")
            .help("Replica state changes, by the state entered")
            .labelNames("state")
            .register(registry);
    private final Counter recoveries = Counter.builder()
            .name("koordinator_replica_recoveries_total")
            .help("Recoveries started, by cause (app_restarted, in_doubt, compacted, delivery_failed, divergence)"
                    + " and action (snapshot, rebuild, redeliver, resume, stopped)")
            .labelNames("cause", "action")
            .register(registry);
    private final Counter divergences = Counter.builder()
            .name("koordinator_divergence_total")
            .help("Digest mismatches with a peer at the same position")
            .register(registry);
    private final Counter transfersServed = Counter.builder()
            .name("koordinator_transfers_served_total")
            .help("State transfers this replica served to a peer, by outcome")
            .labelNames("outcome")
            .register(registry);
    private final Counter transferRefusals = Counter.builder()
            .name("koordinator_admin_refusals_total")
            .help("Admin requests refused, by reason (no_token, bad_token, token_unavailable, not_ready)")
            .labelNames("reason")
            .register(registry);
    private final Counter idempotentReplays = Counter.builder()
            .name("koordinator_idempotent_replays_total")
            .help("Retries of an Idempotency-Key answered with the original response")
            .register(registry);
    private final Counter checkpointErrors = Counter.builder()
            .name("koordinator_checkpoint_errors_total")
            .help("Failures writing or syncing the durable checkpoint")
            .register(registry);

    private final Counter linearizableReads = Counter.builder()
            .name("koordinator_proxy_linearizable_reads_total")
            .help("Linearizable reads that reached their barrier and went to the app")
            .register(registry);
    private final Counter readBarrierFailures = Counter.builder()
            .name("koordinator_proxy_read_barrier_failures_total")
            .help("Linearizable reads answered 503 because no read barrier could be obtained")
            .register(registry);
    private final Histogram linearizableWait = latency(
            "koordinator_proxy_linearizable_wait_seconds",
            "Linearizable reads: from accepting the request to its barrier applied here");

    final LongAdder divergenceCount = new LongAdder();
    final LongAdder recoveryCount = new LongAdder();
    private final Counter limitHits = Counter.builder()
            .name("koordinator_proxy_limit_hits_total")
            .help("Requests and connections refused or cut off by a limit against abuse, by limit")
            .labelNames("limit")
            .register(registry);

    {
        for (Limit l : Limit.values()) {
            limitHits.labelValues(l.label()); // every limit shows, at 0, from the first scrape
        }
    }

    final LongAdder orderedCount = new LongAdder();
    final LongAdder linearizableCount = new LongAdder();
    /** Read barriers issued, read at scrape time; set once by {@link #readBarrierGauges}. */
    private volatile DoubleSupplier barriersIssued = () -> 0;

    final LongAdder passThroughCount = new LongAdder();
    final LongAdder rejectedCount = new LongAdder();
    final LongAdder localReplyCount = new LongAdder();
    final LongAdder deliveredCount = new LongAdder();
    final LongAdder duplicateCount = new LongAdder();

    /** Registers gauges read at scrape time. */
    void gauges(DoubleSupplier appendsInFlight, DoubleSupplier lagEntries, DoubleSupplier ready) {
        gauge("koordinator_proxy_appends_in_flight", "Log entries being appended now", appendsInFlight);
        gauge("koordinator_proxy_lag_entries", "Log entries seen but not yet delivered", lagEntries);
        gauge("koordinator_proxy_ready", "1 while the readiness probe passes", ready);
    }

    /** The sequencer's own counters, read from {@code stats} at scrape time. */
    void sequencerCounters(Supplier<SequencerStats> stats) {
        counter(
                "koordinator_sequencer_entries_found_by_probe_total",
                "Log entries the follower found by its fallback stall probe instead of the watch (each waited"
                        + " at least half a second; 0 on the happy path)",
                stats,
                SequencerStats::entriesFoundByProbe);
        counter(
                "koordinator_sequencer_own_entries_from_append_total",
                "Log entries this replica appended and took from its own append's answer, not waiting for"
                        + " a read of them from ZooKeeper",
                stats,
                SequencerStats::ownEntriesFromAppend);
        counter(
                "koordinator_sequencer_probes_failed_total",
                "Fallback stall probes that met a lost ZooKeeper connection or session and ran again later",
                stats,
                SequencerStats::probesFailed);
        counter(
                "koordinator_sequencer_append_retries_total",
                "Log appends retried after an unknown outcome",
                stats,
                SequencerStats::appendRetries);
        counter(
                "koordinator_sequencer_reconnects_total",
                "Reconnects to ZooKeeper, each followed by a re-read of the log",
                stats,
                SequencerStats::reconnects);
        counter(
                "koordinator_sequencer_session_expiries_total",
                "ZooKeeper sessions lost and replaced",
                stats,
                SequencerStats::sessionExpiries);
    }

    private void counter(
            String name, String help, Supplier<SequencerStats> stats, ToLongFunction<SequencerStats> value) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> cb.call(value.applyAsLong(stats.get())))
                .register(registry);
    }

    /** Gauges of the ordered requests in flight and their body bytes. */
    void orderedInFlightGauges(DoubleSupplier requests, DoubleSupplier bytes) {
        gauge("koordinator_proxy_ordered_in_flight", "Ordered requests waiting for their answer", requests);
        gauge("koordinator_proxy_ordered_in_flight_bytes", "Body bytes of the ordered requests in flight", bytes);
    }

    /**
     * Counters of the read barriers: {@code issued} barriers and {@code joined} reads that waited
     * for one; their ratio is the reads per barrier.
     */
    void readBarrierGauges(DoubleSupplier issued, DoubleSupplier joined) {
        barriersIssued = issued;
        counter("koordinator_proxy_read_barriers_total", "Read barriers (sync and log tail) issued", issued);
        counter(
                "koordinator_proxy_read_barrier_waiters_total",
                "Linearizable reads that waited for a read barrier (divided by the barriers: reads per barrier)",
                joined);
    }

    private void counter(String name, String help, DoubleSupplier value) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> cb.call(value.getAsDouble()))
                .register(registry);
    }

    void linearizableRead(long waitedNanos) {
        linearizableReads.inc();
        linearizableWait.observe(waitedNanos / 1e9);
    }

    void readBarrierFailed() {
        readBarrierFailures.inc();
    }

    /** A gauge read at scrape time. */
    void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> cb.call(value.getAsDouble()))
                .register(registry);
    }

    void limitHit(Limit limit) {
        limitHits.labelValues(limit.label()).inc();
    }

    /** A histogram of seconds, with the buckets every latency here uses. */
    private Histogram latency(String name, String help) {
        return Histogram.builder()
                .name(name)
                .help(help)
                .classicOnly()
                .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10)
                .register(registry);
    }

    void answered(String requestClass, Reply reply) {
        String status = Integer.toString(reply.status());
        requests.labelValues(requestClass, status).inc();
        switch (requestClass) {
            case "ordered" -> orderedCount.increment();
            case "linearizable" -> linearizableCount.increment();
            case "pass_through" -> passThroughCount.increment();
            default -> rejectedCount.increment();
        }
        if (reply.isLocal()) {
            localReplies.labelValues(status, reply.localError()).inc();
            localReplyCount.increment();
        }
    }

    void delivered(long orderingNanos) {
        delivered.inc();
        deliveredCount.increment();
        if (orderingNanos >= 0) {
            orderingLatency.observe(orderingNanos / 1e9);
        }
    }

    void appended(long appendNanos) {
        appendLatency.observe(appendNanos / 1e9);
    }

    void duplicate() {
        duplicates.inc();
        duplicateCount.increment();
    }

    void replicaState(ReplicaState current) {
        for (ReplicaState s : ReplicaState.values()) {
            replicaState.labelValues(s.name()).set(s == current ? 1 : 0);
        }
    }

    void replicaTransition(ReplicaState to) {
        replicaTransitions.labelValues(to.name()).inc();
    }

    void recovery(String cause, String action) {
        recoveries.labelValues(cause, action).inc();
        recoveryCount.increment();
    }

    void divergence() {
        divergences.inc();
        divergenceCount.increment();
    }

    void transferServed(String outcome) {
        transfersServed.labelValues(outcome).inc();
    }

    void adminRefused(String reason) {
        transferRefusals.labelValues(reason).inc();
    }

    void idempotentReplay() {
        idempotentReplays.inc();
    }

    /** Delivery was held for {@code nanos}, for {@code what} ("checkpoint" or "snapshot"). */
    void deliveryPaused(String what, long nanos) {
        deliveryPause.labelValues(what).observe(nanos / 1e9);
    }

    void checkpointError() {
        checkpointErrors.inc();
    }

    void entryDelivered(int commands) {
        commandsPerEntry.observe(commands);
    }

    Map<String, Long> counts() {
        return Map.of(
                "ordered", orderedCount.sum(),
                "linearizable", linearizableCount.sum(),
                "readBarriers", (long) barriersIssued.getAsDouble(),
                "passThrough", passThroughCount.sum(),
                "delivered", deliveredCount.sum(),
                "duplicates", duplicateCount.sum(),
                "localReplies", localReplyCount.sum(),
                "rejected", rejectedCount.sum(),
                "recoveries", recoveryCount.sum(),
                "divergences", divergenceCount.sum());
    }

    /** The Prometheus text exposition of every metric. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
