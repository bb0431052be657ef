package io.koordinator.loadtest.bench;

import io.koordinator.loadtest.cluster.ChildProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code wrk} (closed loop, keep-alive connections, {@code --latency}) and reads its report.
 * The pass-through comparison uses it rather than our own generator so that the client is the
 * same well-known one for the proxy, the bare app and nginx.
 */
final class Wrk {
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern P50 = Pattern.compile("\\s50%\\s+([0-9.]+)(us|ms|s|m|h)\\b");
    private static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s|m|h)\\b");
    private static final Pattern ERRORS = Pattern.compile("(Socket errors:.*|Non-2xx or 3xx responses:.*)");

    /**
     * What one run measured.
     *
     * @param rate requests per second
     * @param p50Millis median latency
     * @param p99Millis 99th percentile latency
     * @param errors wrk's socket-error and non-2xx lines, empty when there were none
     */
    record Result(double rate, double p50Millis, double p99Millis, String errors) {}

    private Wrk() {}

    /** True when {@code wrk} is on the PATH. */
    static boolean available() {
        return Nginx.onPath("wrk");
    }

    /** {@code wrk -t<threads> -c<connections> -d<duration> --latency <url>}. */
    static Result run(String url, int connections, Duration duration) throws IOException, InterruptedException {
        int threads = Math.max(1, Math.min(connections, Runtime.getRuntime().availableProcessors()));
        List<String> cmd = List.of(
                "wrk",
                "-t" + threads,
                "-c" + connections,
                "-d" + Math.max(1, duration.toSeconds()) + "s",
                "--timeout",
                "10s",
                "--latency",
                url);
        try (ChildProcess wrk = ChildProcess.start("wrk", cmd)) {
            List<String> lines = new ArrayList<>();
            Duration limit = duration.plusSeconds(30);
            long deadline = System.nanoTime() + limit.toNanos();
            for (String line = wrk.awaitLine(limit); line != null; ) {
                lines.add(line);
                line = wrk.awaitLine(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            return parse(String.join("\n", lines));
        }
    }

    /** Reads wrk's report. */
    static Result parse(String report) throws IOException {
        Matcher rate = RATE.matcher(report);
        Matcher p50 = P50.matcher(report);
        Matcher p99 = P99.matcher(report);
        if (!rate.find() || !p50.find() || !p99.find()) {
            throw new IOException("wrk printed no rate or latency distribution:\n" + report);
        }
        List<String> errors = new ArrayList<>();
        for (Matcher m = ERRORS.matcher(report); m.find(); ) {
            errors.add(m.group(1).trim());
        }
        return new Result(Double.parseDouble(rate.group(1)), millis(p50), millis(p99), String.join("; ", errors));
    }

    private static double millis(Matcher m) {
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "ms" -> v;
            case "s" -> v * 1000;
            case "m" -> v * 60_000;
            default -> v * 3_600_000;
        };
    }
}
