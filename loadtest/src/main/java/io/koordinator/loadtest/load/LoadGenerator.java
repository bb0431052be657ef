package io.koordinator.loadtest.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closed-loop load on the sample app's API: {@code connections} clients, each with one
 * keep-alive connection to one target (spread round-robin over the targets), each sending its
 * next request as soon as the previous one completes.
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
    private static final Logger log = LoggerFactory.getLogger(LoadGenerator.class);

    /** A snapshot for a live progress line. */
    public record Progress(Duration elapsed, long requests, double intervalRate, Histogram intervalMicros) {}

    /** Called on the thread that called {@link #run}, once per progress interval. */
    public interface ProgressListener {
        void onProgress(Progress progress);
    }

    private final LoadConfig config;
    private final List<TargetStats> stats = new ArrayList<>();
    private final AtomicLong tickets;
    private final AtomicLong completed = new AtomicLong();
    private final Recorder interval = new Recorder(TargetStats.MAX_MICROS, 3);
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
        long deadline = start + config.duration().toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<WriteRecord> mine = new ArrayList<>();
            writes.add(mine);
            int client = i;
            Thread t = new Thread(
                    () -> {
                        try {
                            client(client, deadline, mine);
                        } finally {
                            done.countDown();
                        }
                    },
                    "load-client-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        log.info(
                "load/{} {} connections over {} targets, at most {} requests in {}",
                config.runId(),
                n,
                config.targets().size(),
                config.maxRequests(),
                config.duration());
        threads.forEach(Thread::start);
        long last = start;
        long lastCount = 0;
        try {
            while (!done.await(every.toMillis(), TimeUnit.MILLISECONDS)) {
                long now = System.nanoTime();
                long count = completed.get();
                if (listener != null) {
                    listener.onProgress(new Progress(
                            Duration.ofNanos(now - start),
                            count,
                            (count - lastCount) / Math.max(1e-9, (now - last) / 1e9),
                            interval.getIntervalHistogram()));
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
        return new LoadResult(config, stats, all, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Ends the run early: clients stop after their current request. */
    public void stop() {
        stopped = true;
    }

    private void client(int client, long deadline, List<WriteRecord> writes) {
        int target = client % config.targets().size();
        TargetStats ts = stats.get(target);
        SplittableRandom random = new SplittableRandom(((long) config.runId().hashCode() << 32) ^ client);
        String tokenPrefix = config.runId() + "." + client + ".";
        long seq = 0;
        try (HttpConnection conn = new HttpConnection(config.targets().get(target), config.requestTimeout())) {
            while (!stopped && System.nanoTime() < deadline && tickets.getAndDecrement() > 0) {
                Operation op = config.mix().pick(random.nextInt(100));
                String token = tokenPrefix + (seq++) + ";";
                String key;
                String method;
                String path;
                String body = null;
                switch (op) {
                    case APPEND -> {
                        key = Operation.appendKey(random.nextInt(config.appendKeys()));
                        method = "POST";
                        path = "/kv/" + key + "/append";
                        body = token;
                    }
                    case PUT -> {
                        key = Operation.registerKey(random.nextInt(config.registerKeys()));
                        method = "PUT";
                        path = "/kv/" + key;
                        body = token;
                    }
                    case DELETE -> {
                        key = Operation.registerKey(random.nextInt(config.registerKeys()));
                        method = "DELETE";
                        path = "/kv/" + key;
                    }
                    default -> {
                        int k = random.nextInt(config.appendKeys() + config.registerKeys());
                        key = k < config.appendKeys()
                                ? Operation.appendKey(k)
                                : Operation.registerKey(k - config.appendKeys());
                        method = "GET";
                        path = "/kv/" + key;
                    }
                }
                long sent = System.nanoTime();
                HttpConnection.Response resp = null;
                String failure = null;
                try {
                    resp = conn.send(method, path, body);
                } catch (SocketTimeoutException e) {
                    failure = "timeout";
                } catch (IOException | RuntimeException e) {
                    failure = "io-error";
                }
                long doneAt = System.nanoTime();
                ts.record(failure != null ? failure : Integer.toString(resp.status()), doneAt - sent);
                interval.recordValue(Math.min(TargetStats.MAX_MICROS, (doneAt - sent) / 1000));
                completed.incrementAndGet();
                if (op.isWrite()) {
                    writes.add(record(op, key, token, target, sent, doneAt, resp));
                }
            }
        }
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
