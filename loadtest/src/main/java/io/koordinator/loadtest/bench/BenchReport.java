package io.koordinator.loadtest.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The figures of one bench run: the table rows as they are measured, the named figures of the
 * JSON file, and the ratios against the goals, computed from the figures at the end. A figure
 * whose phase did not run is absent, never zero.
 */
final class BenchReport {
    /**
     * Every key {@code --json} may write, in order; all are numbers. The first ones are the
     * contract of the benchmark issue; the {@code _1c} ones are the same comparison at one
     * connection; {@code cold_start_ratio_5s} is a proxy restarted in the warm group, and {@code
     * cold_start_new_group_ratio_5s} the first cold start of the run, ZooKeeper cold too.
     */
    static final List<String> KEYS = List.of(
            "zk_sync_create_ops",
            "zk_sync_create_p50_ms",
            "zk_pipelined_create_ops",
            "ordered_1_ops",
            "ordered_3_ops",
            "ordered_3_half_p50_ms",
            "ordered_3_half_p99_ms",
            "ordered_3_idle_p50_ms",
            "passthrough_ops",
            "passthrough_p99_ms",
            "nginx_ops",
            "nginx_p99_ms",
            "direct_ops",
            "cold_start_ratio_5s",
            "proxy_rss_mib",
            "proxy_vcpu_per_1k_ordered",
            "proxy_rss_mb_per_1k_ordered",
            "linearizable_read_ops",
            "ordered_read_ops",
            "local_read_ops",
            "passthrough_1c_ops",
            "passthrough_1c_p99_ms",
            "nginx_1c_ops",
            "nginx_1c_p99_ms",
            "direct_1c_ops",
            "cold_start_new_group_ratio_5s");

    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /**
     * One line of the table.
     *
     * @param scenario what was measured
     * @param ops operations per second
     * @param p50Millis median latency, NaN if none
     * @param p99Millis 99th percentile latency, NaN if none
     * @param note settings, batching, errors
     */
    record Row(String scenario, double ops, double p50Millis, double p99Millis, String note) {}

    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Double> figures = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    void row(String scenario, double ops, double p50Millis, double p99Millis, String note) {
        rows.add(new Row(scenario, ops, p50Millis, p99Millis, note));
    }

    /** Records a named figure; {@code key} must be one of {@link #KEYS}. NaN is left out. */
    void figure(String key, double value) {
        if (!KEYS.contains(key)) {
            throw new IllegalArgumentException("not a bench figure: " + key);
        }
        if (!Double.isNaN(value) && !Double.isInfinite(value)) {
            figures.put(key, value);
        }
    }

    /** A line printed under the table. */
    void note(String line) {
        notes.add(line);
    }

    Double get(String key) {
        return figures.get(key);
    }

    Map<String, Double> figures() {
        return Map.copyOf(figures);
    }

    /** The figures in {@link #KEYS} order, as JSON numbers. */
    ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        for (String key : KEYS) {
            Double v = figures.get(key);
            if (v != null) {
                root.put(key, v);
            }
        }
        return root;
    }

    void writeJson(Path file) throws IOException {
        JSON.writeValue(file.toFile(), json());
    }

    void print(PrintStream out) {
        out.println();
        out.printf("| %-52s | %9s | %8s | %8s | %s |%n", "scenario", "ops/s", "p50 ms", "p99 ms", "note");
        out.printf("|%s|%s|%s|%s|---|%n", "-".repeat(54), "-".repeat(11), "-".repeat(10), "-".repeat(10));
        for (Row r : rows) {
            out.printf(
                    "| %-52s | %9.0f | %8s | %8s | %s |%n",
                    r.scenario(), r.ops(), number(r.p50Millis()), number(r.p99Millis()), r.note());
        }
        out.println();
        out.printf("| %-52s | %9s | %-10s | %s |%n", "ratio", "value", "goal", "met");
        out.printf("|%s|%s|%s|---|%n", "-".repeat(54), "-".repeat(11), "-".repeat(12));
        for (Ratio r : ratios()) {
            double v = r.value();
            out.printf(
                    "| %-52s | %9s | %-10s | %s |%n",
                    r.name(),
                    Double.isNaN(v) ? "absent" : String.format("%.2f", v),
                    r.goal(),
                    Double.isNaN(v) || r.goal().equals("-") ? "-" : r.met() ? "yes" : "no");
        }
        notes.forEach(out::println);
    }

    /**
     * A ratio against its goal.
     *
     * @param name what is divided by what
     * @param value the ratio, NaN when a figure is absent
     * @param goal the goal as text, e.g. {@code >= 5}; {@code -} for a ratio shown for scale
     * @param met whether the value meets the goal
     */
    record Ratio(String name, double value, String goal, boolean met) {}

    List<Ratio> ratios() {
        List<Ratio> r = new ArrayList<>();
        r.add(atLeast("ordered 3 replicas / pipelined creates", ratio("ordered_3_ops", "zk_pipelined_create_ops"), 5));
        r.add(atLeast("ordered 3 replicas / sync creates", ratio("ordered_3_ops", "zk_sync_create_ops"), 30));
        r.add(atLeast(
                "ordered 3 / (pass-through / 3), co-location ceiling",
                ratio("ordered_3_ops", "passthrough_ops", x -> x / 3),
                1));
        r.add(atLeast("ordered 1 replica / pipelined creates", ratio("ordered_1_ops", "zk_pipelined_create_ops"), 1));
        r.add(atMost(
                "ordered 3, half saturation: p99 / p50", ratio("ordered_3_half_p99_ms", "ordered_3_half_p50_ms"), 5));
        r.add(atMost(
                "ordered 3, one client: p50 / sync create p50",
                ratio("ordered_3_idle_p50_ms", "zk_sync_create_p50_ms"),
                2));
        r.add(atLeast("pass-through / nginx req/s, 50 conns", ratio("passthrough_ops", "nginx_ops"), 1));
        r.add(atMost("pass-through / nginx p99, 50 conns", ratio("passthrough_p99_ms", "nginx_p99_ms"), 1));
        r.add(atLeast("pass-through / nginx req/s, 1 conn", ratio("passthrough_1c_ops", "nginx_1c_ops"), 1));
        r.add(atMost("pass-through / nginx p99, 1 conn", ratio("passthrough_1c_p99_ms", "nginx_1c_p99_ms"), 1));
        r.add(new Ratio(
                "pass-through / app direct req/s, 50 conns", ratio("passthrough_ops", "direct_ops"), "-", true));
        r.add(atLeast("cold start, restarted proxy: first 5 s / warm", value("cold_start_ratio_5s"), 0.5));
        r.add(new Ratio("cold start, new group: first 5 s / warm", value("cold_start_new_group_ratio_5s"), "-", true));
        r.add(atMost("proxy vCPU per 1k ordered req/s", value("proxy_vcpu_per_1k_ordered"), 0.1));
        r.add(atMost("proxy RSS MB per 1k ordered req/s", value("proxy_rss_mb_per_1k_ordered"), 64));
        r.add(atMost("proxy RSS MiB", value("proxy_rss_mib"), 128));
        r.add(atLeast("linearizable / ordered reads", ratio("linearizable_read_ops", "ordered_read_ops"), 1));
        r.add(new Ratio("linearizable / local reads", ratio("linearizable_read_ops", "local_read_ops"), "-", true));
        return r;
    }

    private double value(String key) {
        Double v = figures.get(key);
        return v == null ? Double.NaN : v;
    }

    private double ratio(String numerator, String denominator) {
        return ratio(numerator, denominator, x -> x);
    }

    private double ratio(String numerator, String denominator, DoubleUnaryOperator scaleDenominator) {
        double d = scaleDenominator.applyAsDouble(value(denominator));
        return d > 0 ? value(numerator) / d : Double.NaN;
    }

    private static Ratio atLeast(String name, double v, double goal) {
        return new Ratio(name, v, ">= " + number(goal), v >= goal);
    }

    private static Ratio atMost(String name, double v, double goal) {
        return new Ratio(name, v, "<= " + number(goal), v <= goal);
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? Long.toString((long) v) : String.format("%.2f", v);
    }
}
