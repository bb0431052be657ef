package io.koordinator.loadtest.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The percentiles every load report shows, and their names in tables and JSON. */
public final class Percentiles {
    /** The reported percentiles; the maximum comes after them. */
    public static final List<Double> REPORTED = List.of(50.0, 90.0, 99.0, 99.9, 99.99);

    private Percentiles() {}

    /** Column headings: {@code p50 … p99.99 max}. */
    public static List<String> labels() {
        List<String> labels = new java.util.ArrayList<>();
        REPORTED.forEach(p -> labels.add("p" + format(p)));
        labels.add("max");
        return labels;
    }

    /**
     * The reported percentiles and the maximum of a histogram in microseconds, as milliseconds,
     * keyed {@code p50}, {@code p90}, {@code p99}, {@code p99_9}, {@code p99_99}, {@code max}.
     */
    public static Map<String, Double> millis(Histogram micros) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (double p : REPORTED) {
            m.put("p" + format(p).replace('.', '_'), micros.getValueAtPercentile(p) / 1000.0);
        }
        m.put("max", micros.getMaxValue() / 1000.0);
        return m;
    }

    private static String format(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }
}
