package io.koordinator.loadtest.chaos;

import io.koordinator.loadtest.check.linear.History;
import io.koordinator.loadtest.check.linear.HistoryOp;
import io.koordinator.loadtest.check.linear.HistoryOp.Kind;
import io.koordinator.loadtest.check.linear.HistoryOp.Outcome;
import io.koordinator.loadtest.demo.Reports;
import io.koordinator.loadtest.load.HttpConnection;
import io.koordinator.loadtest.load.Operation;
import io.koordinator.loadtest.load.WriteRecord;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chaos run's clients: closed-loop threads over the replicas' inbound ports, on a small key
 * space so that they conflict all the time. Append keys {@code a-<i>} only get appends, register
 * keys {@code p-<i>} PUTs and DELETEs (so {@code ConsistencyChecker} can also judge the final
 * state); reads go to either. Reads run under each read policy in turn: each replica's proxy has
 * its own {@code --read-policy} ({@code readPolicies}, by target), and one read in six goes
 * straight to a replica's app, which is what {@code local} does (the proxy passes it through);
 * every read is marked with its policy in the history, and local reads are not checked. A quarter
 * of the writes carry an {@code Idempotency-Key} and are
 * retried, on the next replica, while the outcome is not ok. After an operation that failed, a
 * client waits 100 ms before the next (failures are instant: a replica down, ZooKeeper away).
 *
 * <p>Every operation goes to the {@link History.Recorder} with its outcome:
 *
 * <table>
 *   <caption>Outcome by answer</caption>
 *   <tr><th>answer</th><th>outcome</th></tr>
 *   <tr><td>2xx; 404 of a GET or DELETE</td><td>ok</td></tr>
 *   <tr><td>409 {@code duplicate} of a retry</td><td>ok (the first attempt is in the log), value not known</td></tr>
 *   <tr><td>the proxy's 503s ({@code ordering_unavailable}, {@code replica_not_delivering},
 *       {@code overloaded}, {@code read_barrier_unavailable}: nothing written), other 4xx,
 *       connection refused</td><td>fail</td></tr>
 *   <tr><td>502, 504, other 503 and 5xx, timeout, reset</td><td>unknown</td></tr>
 * </table>
 */
final class ChaosWorkload {
    /** The error codes of the proxy's 503 replies, each of which means nothing was written. */
    private static final java.util.regex.Pattern NOT_WRITTEN = java.util.regex.Pattern.compile(
            "\"(ordering_unavailable|replica_not_delivering|overloaded|read_barrier_unavailable)\"");

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final int MAX_ATTEMPTS = 3;
    private static final long FAIL_BACKOFF_MILLIS = 100;

    private final List<InetSocketAddress> targets;
    private final List<String> readPolicies;
    private final List<InetSocketAddress> apps;
    private final int clients;
    private final int appendKeys;
    private final int registerKeys;
    private final Duration timeout;
    private final long seed;
    private final String runId;
    private final History.Recorder history = new History.Recorder();
    private final ConcurrentLinkedQueue<WriteRecord> writes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    // Counted down by stop(): wakes a client that backs off after a failure.
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    private final java.util.concurrent.ConcurrentHashMap<String, AtomicLong> readsByPolicy =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param targets the replicas' inbound ports
     * @param readPolicies the read policy of each target's proxy
     * @param apps the replicas' apps, for local reads
     */
    ChaosWorkload(
            List<InetSocketAddress> targets,
            List<String> readPolicies,
            List<InetSocketAddress> apps,
            int clients,
            int appendKeys,
            int registerKeys,
            Duration timeout,
            long seed,
            String runId) {
        this.targets = List.copyOf(targets);
        this.readPolicies = List.copyOf(readPolicies);
        this.apps = List.copyOf(apps);
        if (readPolicies.size() != targets.size() || apps.size() != targets.size()) {
            throw new IllegalArgumentException("one read policy and one app per target");
        }
        this.clients = clients;
        this.appendKeys = appendKeys;
        this.registerKeys = registerKeys;
        this.timeout = timeout;
        this.seed = seed;
        this.runId = runId;
    }

    /** Every workload key: append keys, then register keys. */
    List<String> keys() {
        return Reports.workloadKeys(appendKeys, registerKeys);
    }

    String runId() {
        return runId;
    }

    History.Recorder history() {
        return history;
    }

    List<WriteRecord> writes() {
        return List.copyOf(writes);
    }

    long ok() {
        return ok.get();
    }

    long failed() {
        return failed.get();
    }

    long unknown() {
        return unknown.get();
    }

    /** Reads issued so far, by read policy. */
    Map<String, Long> readsByPolicy() {
        Map<String, Long> m = new java.util.TreeMap<>();
        readsByPolicy.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    void start() {
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> runClient(client), "chaos-client-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops the clients; each finishes the operation it is in (bounded by the timeout and retries). */
    void stop() throws InterruptedException {
        stop.set(true);
        stopped.countDown();
        long deadline =
                System.nanoTime() + timeout.multipliedBy(MAX_ATTEMPTS + 1).toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    private void runClient(int client) {
        Random rnd = new Random(seed * 1_000_003L + client);
        HttpConnection[] conns = new HttpConnection[targets.size()];
        HttpConnection[] local = new HttpConnection[apps.size()];
        for (int i = 0; i < conns.length; i++) {
            conns[i] = new HttpConnection(targets.get(i), timeout);
            local[i] = new HttpConnection(apps.get(i), timeout);
        }
        String process = "c" + client;
        try {
            for (long seq = 0; !stop.get(); seq++) {
                int target = rnd.nextInt(targets.size());
                int dice = rnd.nextInt(100);
                String token = runId + "." + client + "." + seq + ";";
                boolean idempotent = rnd.nextInt(4) == 0;
                HistoryOp op;
                if (dice < 35) {
                    List<String> keys = keys();
                    String key = keys.get(rnd.nextInt(keys.size()));
                    op = rnd.nextInt(6) == 0
                            ? read(local[target], HistoryOp.LOCAL, process, key)
                            : read(conns[target], readPolicies.get(target), process, key);
                } else {
                    Kind kind = dice < 65 ? Kind.APPEND : dice < 88 ? Kind.WRITE : Kind.DELETE;
                    String key = kind == Kind.APPEND
                            ? Operation.appendKey(rnd.nextInt(appendKeys))
                            : Operation.registerKey(rnd.nextInt(registerKeys));
                    op = write(conns, target, process, kind, key, token, idempotent);
                }
                history.add(op);
                (op.outcome() == Outcome.OK ? ok : op.outcome() == Outcome.FAIL ? failed : unknown).incrementAndGet();
                if (op.outcome() == Outcome.FAIL) {
                    // A refused connection or a 503 comes back at once: back off as a client
                    // would, instead of spinning on a replica that is down.
                    stopped.await(FAIL_BACKOFF_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (HttpConnection c : conns) {
                c.close();
            }
            for (HttpConnection c : local) {
                c.close();
            }
        }
    }

    private HistoryOp read(HttpConnection conn, String policy, String process, String key) {
        readsByPolicy.computeIfAbsent(policy, p -> new AtomicLong()).incrementAndGet();
        long invoke = System.nanoTime();
        Attempt a = attempt(conn, "GET", "/kv/" + key, null, Map.of());
        long complete = System.nanoTime();
        Outcome o = a.outcome(Kind.READ, false);
        String value = o == Outcome.OK && a.status() == 200 ? a.body() : null;
        return HistoryOp.read(process, key, invoke, complete, o, value, policy);
    }

    private HistoryOp write(
            HttpConnection[] conns,
            int target,
            String process,
            Kind kind,
            String key,
            String token,
            boolean idempotent) {
        String method = kind == Kind.DELETE ? "DELETE" : kind == Kind.APPEND ? "POST" : "PUT";
        String path = "/kv/" + key + (kind == Kind.APPEND ? "/append" : "");
        String body = kind == Kind.DELETE ? null : token;
        Map<String, String> headers = idempotent ? Map.of(IDEMPOTENCY_KEY, token) : Map.of();
        long invoke = System.nanoTime();
        Outcome outcome = Outcome.FAIL;
        Attempt last = null;
        boolean sawUnknown = false;
        for (int attempt = 0; attempt < (idempotent ? MAX_ATTEMPTS : 1); attempt++) {
            last = attempt(conns[(target + attempt) % conns.length], method, path, body, headers);
            outcome = last.outcome(kind, attempt > 0);
            if (outcome == Outcome.OK || stop.get() && outcome == Outcome.FAIL) {
                break;
            }
            sawUnknown |= outcome == Outcome.UNKNOWN;
        }
        if (outcome == Outcome.FAIL && sawUnknown) {
            outcome = Outcome.UNKNOWN;
        }
        long complete = System.nanoTime();
        String result = kind == Kind.APPEND && outcome == Outcome.OK && last.status() == 200 ? last.body() : null;
        record(kind, key, token, target, invoke, complete, outcome, last, result);
        return new HistoryOp(process, kind, key, body, invoke, complete, outcome, result);
    }

    private void record(
            Kind kind,
            String key,
            String token,
            int target,
            long invoke,
            long complete,
            Outcome outcome,
            Attempt last,
            String result) {
        Operation op = kind == Kind.APPEND ? Operation.APPEND : kind == Kind.WRITE ? Operation.PUT : Operation.DELETE;
        WriteRecord.Outcome wo = outcome == Outcome.OK
                ? WriteRecord.Outcome.ACKNOWLEDGED
                : outcome == Outcome.FAIL ? WriteRecord.Outcome.REJECTED : WriteRecord.Outcome.UNKNOWN;
        int length = result == null ? -1 : result.length();
        long hash = result == null ? 0 : WriteRecord.hash(result, result.length());
        writes.add(new WriteRecord(op, key, token, target, invoke, complete, wo, last.status(), length, hash));
    }

    /**
     * One request's answer: {@code status} 0 when none came; {@code refused} when the connection
     * could not be opened.
     */
    record Attempt(int status, String body, boolean refused) {
        Outcome outcome(Kind kind, boolean retry) {
            if (refused) {
                return Outcome.FAIL;
            }
            if (status >= 200 && status < 300) {
                return Outcome.OK;
            }
            // The kv app's 404s: a GET of an absent key, a DELETE of one (applied all the same).
            if (status == 404 && kind == Kind.READ && body.contains("no such key")
                    || status == 404 && kind == Kind.DELETE && body.startsWith("absent")) {
                return Outcome.OK;
            }
            if (status == 409 && body.contains("duplicate")) {
                return retry ? Outcome.OK : Outcome.UNKNOWN;
            }
            if (status == 503) {
                // The proxy's 503s all mean "nothing was written": the history holds it to that.
                return NOT_WRITTEN.matcher(body).find() ? Outcome.FAIL : Outcome.UNKNOWN;
            }
            if (status >= 400 && status < 500) {
                return Outcome.FAIL;
            }
            return Outcome.UNKNOWN;
        }
    }

    private static Attempt attempt(HttpConnection c, String method, String path, String body, Map<String, String> h) {
        try {
            HttpConnection.Response r = c.send(method, path, body, h);
            return new Attempt(r.status(), r.body(), false);
        } catch (ConnectException e) {
            return new Attempt(0, "", true);
        } catch (IOException e) {
            return new Attempt(0, "", false);
        }
    }
}
