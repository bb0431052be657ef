package io.koordinator.loadtest.archive;

import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import io.koordinator.loadtest.cluster.LocalCluster;
import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.load.LoadConfig;
import io.koordinator.loadtest.load.LoadGenerator;
import io.koordinator.loadtest.load.LoadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes a class-data archive (AppCDS) of the proxy by a training run: one ZooKeeper server, one
 * kv-app and one proxy whose JVM runs with {@code -XX:ArchiveClassesAtExit}, the mixed workload
 * through the proxy, its admin routes, then a graceful stop of the proxy, whose JVM writes every
 * class it loaded into the archive as it exits. A proxy started with {@code
 * -XX:SharedArchiveFile=<archive>} maps those classes instead of loading them.
 *
 * <p>The archive belongs to one JVM build and one proxy jar (its path, size and modification
 * time): the image builds it with its own JVM (see the Dockerfile), and a JVM that finds it does
 * not match runs on without it.
 */
@Command(
        name = "class-archive",
        mixinStandardHelpOptions = true,
        description = {
            "Writes a class-data archive (AppCDS) of the proxy from a training run: one ZooKeeper,",
            "one kv-app and one proxy (-XX:ArchiveClassesAtExit), the mixed workload, then a",
            "graceful stop. Run it with the JVM and the proxy jar path the proxies will run with",
            "(-Dkoordinator.proxy.jar=PATH); start them with -XX:SharedArchiveFile=ARCHIVE."
        })
public final class ClassArchiveCommand implements Callable<Integer> {
    /** The proxy's JVM options in a pod, as far as they bear on the archive: the serial collector. */
    static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC");

    @Option(names = "--out", required = true, description = "Where to write the archive (replaced if it exists).")
    Path out;

    @Option(
            names = "--duration",
            defaultValue = "15s",
            description = "Load through the proxy before it stops, default ${DEFAULT-VALUE}.")
    Duration duration;

    @Override
    public Integer call() throws Exception {
        Jars jars = Jars.locate().requireExisting();
        Path archive = out.toAbsolutePath();
        long requests = write(jars, archive, duration);
        if (requests < 0) {
            System.err.println("class-archive: the proxy's JVM wrote no archive at " + archive
                    + " (its log is above); is this a JVM with class data sharing?");
            return 1;
        }
        System.out.printf(
                "class-archive: %s (%.1f MiB) after %d requests through the proxy (%s)%n",
                archive, Files.size(archive) / (1024.0 * 1024.0), requests, jars.proxy());
        return 0;
    }

    /**
     * Writes the archive of {@code jars.proxy()} to {@code archive} after {@code duration} of load.
     *
     * @return the requests of the training run, or -1 if the proxy's JVM wrote no archive
     */
    public static long write(Jars jars, Path archive, Duration duration) throws Exception {
        return write(jars, archive, duration, cluster -> {});
    }

    /** As {@link #write(Jars, Path, Duration)}, telling {@code started} of the training cluster (to stop it on Ctrl-C). */
    public static long write(Jars jars, Path archive, Duration duration, Consumer<AutoCloseable> started)
            throws Exception {
        Files.deleteIfExists(archive); // the JVM writes it read-only, and will not replace it
        LoadResult result;
        try (LocalCluster cluster = new LocalCluster(ClusterConfig.of(1, 1, jars)
                .withGroup("class-archive")
                .withJvmOptions(JVM_OPTIONS)
                .withProxyJvmOptions(List.of("-XX:ArchiveClassesAtExit=" + archive.toAbsolutePath())))) {
            started.accept(cluster);
            cluster.start();
            Replica replica = cluster.replicas().get(0);
            result = new LoadGenerator(LoadConfig.of(List.of(replica.inbound()), 16, 10_000_000, duration))
                    .run(null, Duration.ofSeconds(1));
            cluster.status(replica);
            cluster.metrics(replica);
        } // the proxy gets SIGTERM first and exits on its own: that is when its JVM writes the archive
        return Files.isRegularFile(archive) && Files.size(archive) > 0 ? result.requests() : -1;
    }
}
