package io.koordinator.loadtest.load;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.HdrHistogram.HistogramLogWriter;

/**
 * An HdrHistogram interval log ({@code .hlog}) of a run, one interval per progress report: the
 * corrected latencies untagged (what {@code HistogramLogProcessor} and the plotters read by
 * default), the uncorrected ones tagged {@value #UNCORRECTED_TAG}. Values are microseconds. Warm-up
 * intervals are in the log too; a comment marks where the measured part starts.
 *
 * <p>Used from the thread that runs the load's progress listener only.
 */
public final class IntervalLog implements AutoCloseable, LoadGenerator.ProgressListener {
    public static final String UNCORRECTED_TAG = "uncorrected";

    private final PrintStream file;
    private final HistogramLogWriter writer;
    private boolean warmingUp = true;

    public IntervalLog(Path path, String runId) throws FileNotFoundException {
        this.file = new PrintStream(path.toFile());
        this.writer = new HistogramLogWriter(file);
        long now = System.currentTimeMillis();
        writer.outputComment("koordinator load run " + runId + ", latencies in microseconds");
        writer.outputLogFormatVersion();
        writer.outputStartTime(now);
        writer.setBaseTime(now);
        writer.outputLegend();
    }

    @Override
    public void onProgress(LoadGenerator.Progress p) {
        if (warmingUp && !p.warmingUp()) {
            writer.outputComment("measured from here (warm-up ended)");
            warmingUp = false;
        }
        writer.outputIntervalHistogram(p.intervalMicros());
        p.intervalUncorrectedMicros().setTag(UNCORRECTED_TAG);
        writer.outputIntervalHistogram(p.intervalUncorrectedMicros());
    }

    @Override
    public void close() {
        file.close();
    }
}
