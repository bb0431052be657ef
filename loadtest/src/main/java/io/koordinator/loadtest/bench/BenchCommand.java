package io.koordinator.loadtest.bench;

import io.koordinator.loadtest.DurationConverter;
import io.koordinator.loadtest.archive.ClassArchiveCommand;
import io.koordinator.loadtest.cluster.ChildProcess;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.ZkEnsemble;
import io.koordinator.proxy.ProxyJvmOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: every comparison of the benchmark issue in one run, each part a real process on
 * this machine. Phases, in order:
 *
 * <ol>
 *   <li>{@code zk}: a fresh 3-server ensemble, fsync on: one client's synchronous creates, and
 *       pipelined asynchronous creates;
 *   <li>{@code ordered}: for each replica count, a fresh cluster: cold start (req/s in each second
 *       after {@code /ready}, phase {@code coldstart}, first cluster only), ordered PUTs at
 *       saturation (with the proxies' CPU time and RSS from {@code /proc}), at half of saturation
 *       in open loop, and one sequential client;
 *   <li>{@code passthrough}: on the first cluster, wrk through the proxy, against the app
 *       directly and through nginx in front of the same app;
 *   <li>{@code reads}: GETs per second under the ordered, linearizable and local read policies, in
 *       one 3-replica cluster ({@link ReadsPhase}).
 * </ol>
 *
 * Prints one table of figures, one of ratios against the goals, and with {@code --json} writes
 * the figures under the keys of {@link BenchReport#KEYS}.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Every benchmark in one run: ZooKeeper creates (sync, pipelined), ordered PUTs with 1 and 3",
            "replicas at saturation, at half of it (open loop) and from one client, cold start,",
            "pass-through against the app and nginx (wrk), proxy CPU and RSS, GETs under each read",
            "policy (ordered, linearizable, local) with 3 replicas; one table of figures",
            "and ratios. --quick for a short version, --json FILE for the figures."
        })
public final class BenchCommand implements Callable<Integer> {
    /** Phase names for {@code --phases}. */
    static final List<String> PHASES = List.of("zk", "ordered", "coldstart", "passthrough", "reads");

    /** Load through the proxy of the class-archive training run. */
    static final Duration ARCHIVE_TRAINING = Duration.ofSeconds(15);

    /**
     * The child JVMs' options: a bounded heap and the serial collector, default JIT (C1 and C2).
     * The proxies then take the injector's options and the heap it gives them under its default
     * memory limit ({@link #PROXY_JVM_OPTIONS}), so their RSS is a pod's proxy's.
     */
    static final List<String> JVM_OPTIONS = List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC");

    /**
     * ZooKeeper's servers on the JVM's default collector (G1), as a ZooKeeper deployed on its own
     * would run: on the serial collector their full collections (three servers' data trees in one
     * heap) were the longest pauses of the ordered phases, 88-117 ms, against 44 ms on G1
     * (docs/benchmarks.md, "The half-saturation tail").
     */
    static final List<String> ZK_JVM_OPTIONS = List.of("-XX:-UseSerialGC", "-XX:+UseG1GC");

    static final List<String> PROXY_JVM_OPTIONS = Stream.concat(
                    ProxyJvmOptions.RUNTIME.stream(), ProxyJvmOptions.HEAP_AT_DEFAULT_LIMIT.stream())
            .toList();

    @Option(names = "--quick", description = "Short phases (3 s, 3 s warm-up, 10 s cold start): about 3 minutes.")
    boolean quick;

    @Option(names = "--duration", description = "Each measured phase; default 15s, 3s with --quick.")
    Duration duration;

    @Option(names = "--warmup", description = "Unmeasured load before each phase; default 10s, 3s with --quick.")
    Duration warmup;

    @Option(names = "--cold-start", description = "Cold-start window after /ready; default 20s, 10s with --quick.")
    Duration coldStart;

    @Option(names = "--pass-duration", description = "Each wrk run; default 10s, 3s with --quick.")
    Duration passDuration;

    @Option(
            names = "--connections",
            defaultValue = "64",
            description = "Client connections for the ordered phases, default ${DEFAULT-VALUE}.")
    int connections;

    @Option(
            names = "--in-flight",
            defaultValue = "100",
            description = "Pipelined creates in flight, default ${DEFAULT-VALUE}.")
    int inFlight;

    @Option(
            names = "--data-bytes",
            defaultValue = "128",
            description = "Bytes per baseline znode, default ${DEFAULT-VALUE}.")
    int dataBytes;

    @Option(
            names = "--replicas",
            split = ",",
            defaultValue = "1,3",
            description = "Replica counts of the ordered phases, default ${DEFAULT-VALUE}.")
    List<Integer> replicaCounts;

    @Option(
            names = "--phases",
            split = ",",
            defaultValue = "zk,ordered,coldstart,passthrough,reads",
            description = "Phases to run, default ${DEFAULT-VALUE}.")
    List<String> phases;

    @Option(
            names = "--c1",
            description = "Child JVMs with the C1 compiler alone (-XX:TieredStopAtLevel=1), the old bench setting.")
    boolean c1;

    @Option(
            names = "--proxy-arg",
            description = "Extra flag for every proxy, repeatable, e.g. --proxy-arg=--batch-max-delay=1ms.")
    List<String> proxyArgs = new ArrayList<>();

    @Option(
            names = "--proxy-jvm-arg",
            description = "Extra JVM option for every proxy, repeatable, e.g."
                    + " --proxy-jvm-arg=-XX:SharedArchiveFile=proxy.jsa.")
    List<String> proxyJvmArgs = new ArrayList<>();

    @Option(
            names = "--zk-jvm-arg",
            description = "Extra JVM option for every ZooKeeper server, repeatable, after the"
                    + " bench's own (G1), e.g. --zk-jvm-arg=-XX:MaxGCPauseMillis=20.")
    List<String> zkJvmArgs = new ArrayList<>();

    @Option(
            names = "--class-archive",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Start the proxies with a class-data archive of their jar, made first by a"
                    + " 15 s training run (class-archive), as the image's proxies start; default on.")
    boolean classArchive;

    @Option(
            names = "--zk-process-per-server",
            negatable = true,
            defaultValue = "false",
            fallbackValue = "true",
            description = "Each ZooKeeper server in a JVM of its own, as an ensemble runs on its own"
                    + " machines; by default the three share one JVM, which on two cores gave the"
                    + " shorter tail (docs/benchmarks.md), though each of its collections pauses"
                    + " the whole quorum.")
    boolean zkProcessPerServer;

    @Option(
            names = "--child-logs",
            description = "Copy every child process's stderr (ZooKeeper, apps, proxies) to a file"
                    + " each in this directory, to see what a tail lined up with.")
    Path childLogs;

    @Option(names = "--json", description = "Write the figures here as JSON (absent figures are left out).")
    Path json;

    private final PrintStream out = System.out;

    BenchSettings settings() {
        Set<String> chosen = new LinkedHashSet<>(phases);
        for (String p : chosen) {
            if (!PHASES.contains(p)) {
                throw new IllegalArgumentException("unknown phase " + p + "; phases are " + PHASES);
            }
        }
        List<String> jvm = new ArrayList<>(JVM_OPTIONS);
        if (c1) {
            jvm.add("-XX:TieredStopAtLevel=1");
        }
        return new BenchSettings(
                or(duration, quick ? "3s" : "15s"),
                or(warmup, quick ? "3s" : "10s"),
                or(coldStart, quick ? "10s" : "20s"),
                or(passDuration, quick ? "3s" : "10s"),
                connections,
                inFlight,
                dataBytes,
                replicaCounts,
                jvm,
                Stream.concat(PROXY_JVM_OPTIONS.stream(), proxyJvmArgs.stream()).toList(),
                Stream.concat(ZK_JVM_OPTIONS.stream(), zkJvmArgs.stream()).toList(),
                proxyArgs,
                chosen,
                zkProcessPerServer);
    }

    private static Duration or(Duration given, String fallback) {
        return given != null ? given : DurationConverter.parse(fallback);
    }

    @Override
    public Integer call() throws Exception {
        BenchSettings s;
        try {
            s = settings();
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            return 2;
        }
        Jars jars = Jars.locate().requireExisting();
        try {
            ChildProcess.copyStderrTo(childLogs);
        } catch (IOException e) {
            System.err.println("bench: cannot keep the child logs in " + childLogs + ": " + e);
            return 2;
        }
        BenchReport report = new BenchReport();
        AtomicReference<AutoCloseable> running = new AtomicReference<>();
        Thread hook = new Thread(() -> closeQuietly(running.get()), "bench-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long started = System.nanoTime();
        Path archive = null;
        try {
            if (classArchive) {
                archive = Files.createTempFile("koordinator-proxy-", ".jsa");
                out.println("(class-archive) training run for the proxies' class-data archive");
                if (ClassArchiveCommand.write(jars, archive, ARCHIVE_TRAINING, running::set) < 0) {
                    System.err.println(
                            "bench: the proxy's JVM wrote no class-data archive; run with --no-class-archive");
                    return 1;
                }
                running.set(null);
                s = s.withProxyJvmOption("-XX:SharedArchiveFile=" + archive);
            }
            if (s.runs("zk")) {
                baseline(jars, s, running, report);
            }
            if (s.runs("ordered") || s.runs("passthrough") || s.runs("coldstart")) {
                for (int i = 0; i < s.replicaCounts().size(); i++) {
                    cluster(jars, s, s.replicaCounts().get(i), i == 0, running, report);
                }
            }
            if (s.runs("reads")) {
                ReadsPhase.run(jars, s, running, report, out);
            }
        } finally {
            closeQuietly(running.getAndSet(null));
            if (archive != null) {
                Files.deleteIfExists(archive);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
        report.note(String.format(
                "measured %s per phase after %s warm-up, cold start %s, wrk %s; %d cores; child JVMs %s; %.0f s in all",
                DurationConverter.format(s.duration()),
                DurationConverter.format(s.warmup()),
                DurationConverter.format(s.coldStart()),
                DurationConverter.format(s.passDuration()),
                Runtime.getRuntime().availableProcessors(),
                String.join(" ", s.jvmOptions())
                        + "; ZooKeeper also " + String.join(" ", s.zkJvmOptions())
                        + (s.zkProcessPerServer() ? ", a JVM per server" : ", its servers in one JVM")
                        + (s.proxyJvmOptions().isEmpty()
                                ? ""
                                : "; proxies also " + String.join(" ", s.proxyJvmOptions())),
                (System.nanoTime() - started) / 1e9));
        report.print(out);
        if (json != null) {
            report.writeJson(json);
            out.println("figures written to " + json);
        }
        return 0;
    }

    private void baseline(Jars jars, BenchSettings s, AtomicReference<AutoCloseable> running, BenchReport report)
            throws Exception {
        out.printf(
                "(zk) raw ZooKeeper: fresh 3-server ensemble, %s, fsync on%n",
                s.zkProcessPerServer() ? "a JVM per server" : "one JVM");
        try (ZkEnsemble zk = ZkEnsemble.start(s.cluster(1, jars), "127.0.0.1")) {
            running.set(zk);
            String connect = zk.awaitServing(Duration.ofSeconds(90));
            try (ZkBaseline b = new ZkBaseline(connect, s.dataBytes())) {
                b.syncCreates("/bench-warmup", s.warmup());
                BenchResult sync = b.syncCreates("/bench-sync", s.duration());
                row(report, "zookeeper create, 1 client, synchronous", sync, s.dataBytes() + " B znodes");
                report.figure("zk_sync_create_ops", sync.rate());
                report.figure("zk_sync_create_p50_ms", sync.latencyMicros().getValueAtPercentile(50) / 1000.0);
                BenchResult piped = b.pipelinedCreates("/bench-async", s.duration(), s.inFlight());
                row(
                        report,
                        "zookeeper create, 1 client, " + s.inFlight() + " in flight",
                        piped,
                        s.dataBytes() + " B znodes");
                report.figure("zk_pipelined_create_ops", piped.rate());
                out.printf("    sync creates %.0f/s, pipelined %.0f/s%n", sync.rate(), piped.rate());
            }
        } finally {
            running.set(null);
        }
    }

    private static void row(BenchReport report, String scenario, BenchResult r, String note) {
        Histogram h = r.latencyMicros();
        report.row(scenario, r.rate(), h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, note);
    }

    private void cluster(
            Jars jars,
            BenchSettings s,
            int replicas,
            boolean first,
            AtomicReference<AutoCloseable> running,
            BenchReport report)
            throws Exception {
        out.printf("(ordered) %d replica(s), %d connections%n", replicas, s.connections());
        LocalCluster cluster = new LocalCluster(s.cluster(replicas, jars).withGroup("bench-" + replicas));
        running.set(cluster);
        try {
            cluster.start();
            ClusterPhases phases = new ClusterPhases(cluster, s, report, out);
            boolean cold = first && s.runs("coldstart");
            double newGroup = cold ? phases.coldStart() : Double.NaN;
            double saturated = Double.NaN;
            if (s.runs("ordered")) {
                phases.warmUp();
                saturated = phases.saturation();
                phases.halfSaturation(saturated);
                phases.oneClient();
            }
            if (first && s.runs("passthrough")) {
                PassThroughPhase.run(cluster.replicas().get(0), s, report, out);
            }
            if (cold) {
                if (!s.runs("ordered")) {
                    phases.warmUp(); // ZooKeeper's write path warm before the restart
                }
                double restarted = phases.restartedProxyColdStart();
                if (replicas == 1) {
                    report.figure("cold_start_ratio_5s", restarted / saturated);
                    report.figure("cold_start_new_group_ratio_5s", newGroup / saturated);
                }
            }
        } finally {
            running.set(null);
            cluster.close();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }
}
