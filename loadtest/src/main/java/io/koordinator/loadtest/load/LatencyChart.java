package io.koordinator.loadtest.load;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * The latency-percentile chart of a run, drawn by XChart: latency (ms) against percentile on the
 * usual HdrHistogram scale, where the x axis is {@code log10(1 / (1 - percentile))}, so 90%, 99%,
 * 99.9% and 99.99% are evenly spaced. Corrected and uncorrected latency are two series.
 * The file's extension picks the format: {@code .png} or {@code .svg}.
 */
public final class LatencyChart {
    /** Points per halving of the remaining tail, as in HdrHistogram's percentile output. */
    private static final int TICKS_PER_HALF_DISTANCE = 5;

    private LatencyChart() {}

    /** Writes the chart of {@code result} to {@code file} ({@code .png} or {@code .svg}). */
    public static void write(Path file, LoadResult result, String title) throws IOException {
        XYChart chart = new XYChartBuilder()
                .width(900)
                .height(500)
                .title(title)
                .xAxisTitle("percentile")
                .yAxisTitle("latency (ms)")
                .build();
        chart.getStyler().setMarkerSize(0);
        chart.setCustomXAxisTickLabelsFormatter(LatencyChart::percentLabel);
        addSeries(chart, result.config().openLoop() ? "corrected" : "closed loop", result.latencyMicros());
        if (result.config().openLoop()) {
            addSeries(chart, "uncorrected", result.uncorrectedLatencyMicros());
        }
        String name = file.toString();
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".png")) {
            BitmapEncoder.saveBitmap(chart, name.substring(0, name.length() - 4), BitmapEncoder.BitmapFormat.PNG);
        } else if (lower.endsWith(".svg")) {
            VectorGraphicsEncoder.saveVectorGraphic(
                    chart, name.substring(0, name.length() - 4), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } else {
            throw new IllegalArgumentException("chart file must end in .png or .svg: " + file);
        }
    }

    private static void addSeries(XYChart chart, String name, Histogram micros) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        if (micros.getTotalCount() == 0) {
            x.add(1.0);
            y.add(0.0);
        }
        for (HistogramIterationValue v : micros.percentiles(TICKS_PER_HALF_DISTANCE)) {
            double p = v.getPercentileLevelIteratedTo() / 100.0;
            if (p >= 1.0) {
                break;
            }
            x.add(Math.log10(1 / (1 - p)));
            y.add(v.getValueIteratedTo() / 1000.0);
        }
        XYSeries series = chart.addSeries(name, x, y);
        series.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
    }

    /** {@code log10(1 / (1 - p))} as a percentage: 0 → 0%, 1 → 90%, 3 → 99.9%. */
    static String percentLabel(double x) {
        double percent = 100 * (1 - Math.pow(10, -x));
        BigDecimal rounded = new BigDecimal(percent).round(new MathContext(Math.max(2, (int) Math.ceil(x) + 1)));
        return rounded.stripTrailingZeros().toPlainString() + "%";
    }
}
