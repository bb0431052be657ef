package io.koordinator.loadtest.load;

import io.koordinator.Durations;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Load on the sample app's API: {@code connections} clients, each with one keep-alive connection
 * to one target (spread round-robin over the targets). In closed loop each sends its next request
 * as soon as the previous one completes; in open loop ({@link LoadConfig#rate()} above 0) each
 * sends on its own fixed {@link OpenLoopSchedule}, and latency counts from the intended send time
 * (corrected for coordinated omission), with the latency from the actual send time kept beside it.
 *
 * <p>The workload keeps two key families apart so the {@link
 * io.koordinator.loadtest.check.ConsistencyChecker} can be exact: append keys ({@code a-<i>})
 * get only appends of unique tokens; register keys ({@code p-<i>}) get only PUTs of unique tokens
 * and DELETEs; GETs read either. The key space is small so clients conflict on purpose.
 *
 * <p>A run is bounded by {@link LoadConfig#maxRequests()} and {@link LoadConfig#duration()};
 * {@link #stop()} ends it early.
 */
public final class LoadGenerator {
    /**
     * How long a client waits after a refused connection before its next request, as a real
     * client backs off. Without it, the clients of a replica that is down spun through tens of
     * thousands of refused connects a second (a demo run with a killed proxy: 329,079 in
     * 17 s), which starved the restarting replica of the CPU it needed to come back.
     */
    static final Duration CONNECT_BACKOFF = Duration.ofMillis(100);

    private static final Logger log = LoggerFactory.getLogger(LoadGenerator.class);

    /**
     * A snapshot for a live progress line and the interval log, covering warm-up too.
     *
     * @param elapsed since the run started (warm-up included)
     * @param requests completed so far, warm-up included
     * @param intervalRate completions per second since the previous snapshot
     * @param intervalMicros corrected latencies completed since the previous snapshot, with its
     *     start and end time stamps set
     * @param intervalUncorrectedMicros the same requests' uncorrected latencies
     * @param warmingUp true while the run is still in its warm-up
     */
    public record Progress(
            Duration elapsed,
            long requests,
            double intervalRate,
            Histogram intervalMicros,
            Histogram intervalUncorrectedMicros,
            boolean warmingUp) {}

    /**
     * Called on the thread that called {@link #run}, once per progress interval and once more
     * when the run has ended (so the intervals cover every request).
     */
    public interface ProgressListener {
        void onProgress(Progress progress);
    }

    private final LoadConfig config;
    private final List<TargetStats> stats = new ArrayList<>();
    private final AtomicLong tickets;
    private final AtomicLong completed = new AtomicLong();
    private final Recorder interval = new Recorder(TargetStats.MAX_MICROS, 3);
    private final Recorder intervalUncorrected = new Recorder(TargetStats.MAX_MICROS, 3);
    private volatile boolean stopped;

    public LoadGenerator(LoadConfig config) {
        this.config = config;
        this.tickets = new AtomicLong(config.maxRequests());
        for (InetSocketAddress t : config.targets()) {
            stats.add(new TargetStats(t.getHostString() + ":" + t.getPort()));
        }
    }

    /** Runs the load to its end, reporting progress every {@code every}. */
    public LoadResult run(ProgressListener listener, Duration every) throws InterruptedException {
        int n = config.connections();
        List<List<WriteRecord>> writes = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(n);
        long start = System.nanoTime();
        long measureStart = start + config.warmup().toNanos();
        long deadline = measureStart + config.duration().toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<WriteRecord> mine = new ArrayList<>();
            writes.add(mine);
            int client = i;
            Thread t = new Thread(
                    () -> {
                        try {
                            client(client, start, measureStart, deadline, mine);
                        } finally {
                            done.countDown();
                        }
                    },
                    "load-client-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        log.info(
                "load/{} {} connections over {} targets, {}, at most {} requests in {} after {} warm-up",
                config.runId(),
                n,
                config.targets().size(),
                config.openLoop() ? "open loop at " + config.rate() + " req/s" : "closed loop",
                config.maxRequests() == Long.MAX_VALUE ? "unbounded" : config.maxRequests(),
                Durations.format(config.duration()),
                Durations.format(config.warmup()));
        threads.forEach(Thread::start);
        long last = start;
        long lastCount = 0;
        try {
            boolean ended = false;
            while (!ended) {
                ended = done.await(every.toMillis(), TimeUnit.MILLISECONDS);
                long now = System.nanoTime();
                long count = completed.get();
                if (listener != null) {
                    listener.onProgress(new Progress(
                            Duration.ofNanos(now - start),
                            count,
                            (count - lastCount) / Math.max(1e-9, (now - last) / 1e9),
                            interval.getIntervalHistogram(),
                            intervalUncorrected.getIntervalHistogram(),
                            now < measureStart));
                }
                last = now;
                lastCount = count;
            }
        } catch (InterruptedException e) {
            stop();
            // Let the clients finish their current request; each is bounded by the request timeout.
            done.await(config.requestTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
            throw e;
        }
        List<WriteRecord> all = new ArrayList<>();
        writes.forEach(all::addAll);
        return new LoadResult(config, stats, all, Duration.ofNanos(System.nanoTime() - measureStart));
    }

    /** Ends the run early: clients stop after their current request. */
    public void stop() {
        stopped = true;
    }

    private void client(int client, long start, long measureStart, long deadline, List<WriteRecord> writes) {
        int target = client % config.targets().size();
        TargetStats ts = stats.get(target);
        UniformRandomProvider random =
                RandomSource.SPLIT_MIX_64.create(((long) config.runId().hashCode() << 32) ^ client);
        KeyChooser appendKeys = new KeyChooser(config.keyDistribution(), config.appendKeys(), random);
        KeyChooser registerKeys = new KeyChooser(config.keyDistribution(), config.registerKeys(), random);
        OpenLoopSchedule schedule =
                config.openLoop() ? OpenLoopSchedule.of(start, config.rate(), config.connections(), client) : null;
        String tokenPrefix = config.runId() + "." + client + ".";
        long seq = 0;
        try (HttpConnection conn = new HttpConnection(config.targets().get(target), config.requestTimeout())) {
            while (!stopped && tickets.getAndDecrement() > 0) {
                long intended = schedule == null ? System.nanoTime() : schedule.intended(seq);
                if (intended >= deadline || !awaitSlot(intended)) {
                    break;
                }
                Operation op = config.mix().pick(random.nextInt(100));
                String token = token(tokenPrefix + (seq++));
                String key;
                String method;
                String path;
                String body = null;
                switch (op) {
                    case APPEND -> {
                        key = Operation.appendKey(appendKeys.next());
                        method = "POST";
                        path = "/kv/" + key + "/append";
                        body = token;
                    }
                    case PUT -> {
                        key = Operation.registerKey(registerKeys.next());
                        method = "PUT";
                        path = "/kv/" + key;
                        body = token;
                    }
                    case DELETE -> {
                        key = Operation.registerKey(registerKeys.next());
                        method = "DELETE";
                        path = "/kv/" + key;
                    }
                    default -> {
                        boolean append =
                                random.nextInt(config.appendKeys() + config.registerKeys()) < config.appendKeys();
                        key = append
                                ? Operation.appendKey(appendKeys.next())
                                : Operation.registerKey(registerKeys.next());
                        method = "GET";
                        path = "/kv/" + key;
                    }
                }
                long sent = System.nanoTime();
                if (schedule == null) {
                    // Closed loop: a request is meant to go out when it does.
                    intended = sent;
                }
                HttpConnection.Response resp = null;
                String failure = null;
                try {
                    resp = conn.send(method, path, body);
                } catch (IOException | RuntimeException e) {
                    failure = failureKind(e);
                }
                long doneAt = System.nanoTime();
                if (intended >= measureStart) {
                    ts.record(
                            failure != null ? failure : Integer.toString(resp.status()),
                            doneAt - intended,
                            doneAt - sent,
                            schedule != null && sent - intended > schedule.intervalNanos());
                }
                interval.recordValue(TargetStats.micros(doneAt - intended));
                intervalUncorrected.recordValue(TargetStats.micros(doneAt - sent));
                completed.incrementAndGet();
                if (op.isWrite()) {
                    writes.add(record(op, key, token, target, sent, doneAt, resp));
                }
                if ("connect-error".equals(failure)) {
                    // a refused connect costs microseconds: without a pause each client would spin
                    awaitSlot(Math.min(System.nanoTime() + CONNECT_BACKOFF.toNanos(), deadline));
                }
            }
        }
    }

    /** Parks until {@code intended}; false if the run was stopped meanwhile. */
    private boolean awaitSlot(long intended) {
        for (long wait = intended - System.nanoTime(); wait > 0; wait = intended - System.nanoTime()) {
            if (stopped) {
                return false;
            }
            LockSupport.parkNanos(Math.min(wait, 50_000_000L));
        }
        return !stopped;
    }

    /** {@code prefix;}, or padded with {@code x} to {@link LoadConfig#valueBytes()} in all. */
    private String token(String prefix) {
        int pad = config.valueBytes() - prefix.length() - 2;
        return pad < 0 ? prefix + ";" : prefix + "-" + "x".repeat(pad) + ";";
    }

    /** The kind of a request that got no response, as counted in the outcomes. */
    static String failureKind(Exception e) {
        if (e instanceof SocketTimeoutException) {
            return "timeout";
        } else if (e instanceof ConnectException) {
            return "connect-error";
        } else if (e instanceof EOFException) {
            return "closed";
        }
        return "io-error";
    }

    private static WriteRecord record(
            Operation op, String key, String token, int target, long sent, long done, HttpConnection.Response resp) {
        if (resp == null) {
            return new WriteRecord(op, key, token, target, sent, done, WriteRecord.Outcome.UNKNOWN, 0, -1, 0);
        }
        int status = resp.status();
        boolean acked = status / 100 == 2
                || (op == Operation.DELETE && status == 404 && resp.body().equals("absent\n"));
        WriteRecord.Outcome outcome = acked
                ? WriteRecord.Outcome.ACKNOWLEDGED
                : status / 100 == 4 ? WriteRecord.Outcome.REJECTED : WriteRecord.Outcome.UNKNOWN;
        if (acked && op == Operation.APPEND) {
            String v = resp.body();
            return new WriteRecord(
                    op, key, token, target, sent, done, outcome, status, v.length(), WriteRecord.hash(v, v.length()));
        }
        return new WriteRecord(op, key, token, target, sent, done, outcome, status, -1, 0);
    }
}
