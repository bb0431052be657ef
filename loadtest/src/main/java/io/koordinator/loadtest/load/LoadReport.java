package io.koordinator.loadtest.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a run prints and writes: the percentile table (corrected and uncorrected latency), the
 * errors by kind, and the JSON summary. The field names of the summary are a contract (scripts
 * read them); {@code LoadReportTest} lists them.
 */
public final class LoadReport {
    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private LoadReport() {}

    /** The percentile table, one row per latency kind, then the errors by kind. */
    public static void printPercentiles(PrintStream out, LoadResult result) {
        StringBuilder head = new StringBuilder(String.format("%-24s", "latency ms"));
        Percentiles.labels().forEach(l -> head.append(String.format(" %9s", l)));
        out.println(head);
        row(out, result.config().openLoop() ? "corrected (intended)" : "closed loop", result.latencyMicros());
        if (result.config().openLoop()) {
            row(out, "uncorrected (sent)", result.uncorrectedLatencyMicros());
        }
        out.printf(
                "%d requests, %.0f req/s over %.1f s%s; errors: %s%n",
                result.requests(),
                result.throughput(),
                result.elapsed().toMillis() / 1000.0,
                result.config().openLoop()
                        ? String.format(" (target %.0f req/s)", result.config().rate())
                        : "",
                result.errors().isEmpty() ? "none" : result.errors());
        fellBehind(result).ifPresent(out::println);
    }

    /** Share of the measured requests past which an open-loop run is said to have fallen behind. */
    static final double LATE_SHARE = 0.01;

    /**
     * In open loop, when more than {@value #LATE_SHARE} of the measured requests went out a whole
     * slot late: what that means and what to change. Each connection holds one request at a time
     * (as wrk2's do), so too few connections for the rate queue the requests in the generator,
     * and the corrected latency counts that queue as well as the server's.
     */
    static Optional<String> fellBehind(LoadResult result) {
        LoadConfig c = result.config();
        long late = result.lateRequests();
        if (!c.openLoop() || late <= LATE_SHARE * result.requests()) {
            return Optional.empty();
        }
        return Optional.of(String.format(
                "open loop fell behind: %d of %d requests went out more than one slot late (%d connection(s) at"
                        + " %.0f req/s, one request in flight each, a slot every %.1f ms per connection; uncorrected"
                        + " p50 %.2f ms). The corrected latency includes the wait for a free connection: add"
                        + " --connections to measure the server at this rate.",
                late,
                result.requests(),
                c.connections(),
                c.rate(),
                c.connections() * 1000.0 / c.rate(),
                result.uncorrectedLatencyMicros().getValueAtPercentile(50) / 1000.0));
    }

    private static void row(PrintStream out, String name, Histogram micros) {
        StringBuilder line = new StringBuilder(String.format("%-24s", name));
        Percentiles.millis(micros).values().forEach(v -> line.append(String.format(" %9.2f", v)));
        out.println(line);
    }

    /** The JSON summary of a run. */
    public static ObjectNode summary(LoadResult result) {
        LoadConfig c = result.config();
        ObjectNode root = JSON.createObjectNode();
        root.put("run_id", c.runId());
        root.put("mode", c.openLoop() ? "open" : "closed");
        if (c.openLoop()) {
            root.put("target_rate", c.rate());
        }
        root.put("connections", c.connections());
        root.put("targets", c.targets().size());
        root.put("warmup_s", c.warmup().toMillis() / 1000.0);
        root.put("duration_s", c.duration().toMillis() / 1000.0);
        root.put("elapsed_s", result.elapsed().toMillis() / 1000.0);
        root.put("key_distribution", c.keyDistribution().name().toLowerCase());
        root.put("value_bytes", c.valueBytes());
        ObjectNode mix = root.putObject("mix");
        mix.put("append", c.mix().append());
        mix.put("put", c.mix().put());
        mix.put("delete", c.mix().delete());
        mix.put("get", c.mix().get());
        root.put("requests", result.requests());
        root.put("successes", result.successes());
        root.put("throughput_rps", result.throughput());
        if (c.openLoop()) {
            root.put("late_requests", result.lateRequests());
        }
        ObjectNode latency = root.putObject("latency_ms");
        percentiles(latency.putObject("corrected"), result.latencyMicros());
        percentiles(latency.putObject("uncorrected"), result.uncorrectedLatencyMicros());
        counts(root.putObject("outcomes"), result.outcomes());
        counts(root.putObject("errors"), result.errors());
        ObjectNode writes = root.putObject("writes");
        writes.put("sent", result.writes().size());
        writes.put("acknowledged", result.acknowledgedWrites());
        writes.put("unknown", result.unknownWrites());
        return root;
    }

    private static void percentiles(ObjectNode node, Histogram micros) {
        node.put("mean", micros.getMean() / 1000.0);
        Percentiles.millis(micros).forEach(node::put);
    }

    private static void counts(ObjectNode node, Map<String, Long> counts) {
        counts.forEach(node::put);
    }

    /** Writes {@link #summary} to {@code file}. */
    public static void writeSummary(Path file, LoadResult result) throws IOException {
        JSON.writeValue(file.toFile(), summary(result));
    }
}
