package io.koordinator.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.koordinator.loadtest.kv.KvApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The outputs of a run: JSON summary, percentile table, interval log and chart. */
class LoadReportTest {
    private static KvApp app;
    private static LoadResult openLoop;
    private static final List<LoadGenerator.Progress> intervals = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void run() throws Exception {
        app = KvApp.start("127.0.0.1", 0);
        LoadConfig config = LoadConfig.of(
                        List.of(new InetSocketAddress("127.0.0.1", app.port())), 2, 300, Duration.ofSeconds(20))
                .withRate(600)
                .withValueBytes(100)
                .withKeyDistribution(LoadConfig.KeyDistribution.ZIPFIAN);
        openLoop = new LoadGenerator(config).run(intervals::add, Duration.ofMillis(100));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void jsonSummaryHasTheDocumentedFields() throws Exception {
        Path file = dir.resolve("summary.json");
        LoadReport.writeSummary(file, openLoop);
        JsonNode json = new ObjectMapper().readTree(file.toFile());

        assertThat(json.propertyNames())
                .containsExactly(
                        "run_id",
                        "mode",
                        "target_rate",
                        "connections",
                        "targets",
                        "warmup_s",
                        "duration_s",
                        "elapsed_s",
                        "key_distribution",
                        "value_bytes",
                        "mix",
                        "requests",
                        "successes",
                        "throughput_rps",
                        "late_requests",
                        "latency_ms",
                        "outcomes",
                        "errors",
                        "writes");
        assertThat(json.get("mode").asString()).isEqualTo("open");
        assertThat(json.get("key_distribution").asString()).isEqualTo("zipfian");
        assertThat(json.get("requests").asLong()).isEqualTo(300);
        assertThat(json.get("target_rate").asDouble()).isEqualTo(600.0);
        for (String kind : List.of("corrected", "uncorrected")) {
            JsonNode latency = json.get("latency_ms").get(kind);
            assertThat(latency.propertyNames()).containsExactly("mean", "p50", "p90", "p99", "p99_9", "p99_99", "max");
            assertThat(latency.get("max").asDouble())
                    .isGreaterThanOrEqualTo(latency.get("p50").asDouble());
            assertThat(latency.get("p50").asDouble()).isPositive();
        }
        assertThat(json.get("errors").isEmpty()).isTrue();
        long statuses = 0;
        for (JsonNode n : json.get("outcomes")) {
            statuses += n.asLong();
        }
        assertThat(statuses).isEqualTo(300);
    }

    @Test
    void closedLoopSummaryHasNoTargetRate() {
        LoadResult closed = new LoadResult(
                openLoop.config().withRate(0), openLoop.targets(), openLoop.writes(), openLoop.elapsed());
        JsonNode json = LoadReport.summary(closed);
        assertThat(json.has("target_rate")).isFalse();
        assertThat(json.has("late_requests")).isFalse();
        assertThat(json.get("mode").asString()).isEqualTo("closed");
    }

    @Test
    void valuesArePaddedToTheirSizeAndKeptUnique() {
        assertThat(openLoop.writes())
                .allSatisfy(w -> assertThat(w.token()).hasSize(100).endsWith(";"))
                .extracting(WriteRecord::token)
                .doesNotHaveDuplicates();
    }

    @Test
    void percentileTableShowsBothLatenciesAndTheErrors() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LoadReport.printPercentiles(new PrintStream(bytes, true, StandardCharsets.UTF_8), openLoop);
        String table = bytes.toString(StandardCharsets.UTF_8);

        assertThat(table).contains("p50", "p90", "p99", "p99.9", "p99.99", "max");
        assertThat(table).contains("corrected (intended)", "uncorrected (sent)", "errors: none", "target 600 req/s");
    }

    @Test
    void intervalLogHoldsEveryRequestTwiceTaggedByKind() throws Exception {
        Path file = dir.resolve("run.hlog");
        try (IntervalLog log = new IntervalLog(file, "t1")) {
            intervals.forEach(log::onProgress);
        }
        long corrected = 0;
        long uncorrected = 0;
        HistogramLogReader reader = new HistogramLogReader(file.toFile());
        for (EncodableHistogram h = reader.nextIntervalHistogram(); h != null; h = reader.nextIntervalHistogram()) {
            org.HdrHistogram.Histogram histogram = (org.HdrHistogram.Histogram) h;
            if (IntervalLog.UNCORRECTED_TAG.equals(h.getTag())) {
                uncorrected += histogram.getTotalCount();
            } else {
                corrected += histogram.getTotalCount();
            }
        }
        assertThat(corrected).isEqualTo(300);
        assertThat(uncorrected).isEqualTo(300);
    }

    @Test
    void chartIsWrittenAsPngOrSvg() throws Exception {
        Path png = dir.resolve("latency.png");
        Path svg = dir.resolve("latency.svg");
        LatencyChart.write(png, openLoop, "test");
        LatencyChart.write(svg, openLoop, "test");

        byte[] head = Files.readAllBytes(png);
        assertThat(head).startsWith(0x89, 'P', 'N', 'G');
        // VectorGraphics2D draws text as outlines, so only the shapes can be checked.
        assertThat(Files.readString(svg)).contains("<svg").contains("<path");
        assertThat(LatencyChart.percentLabel(0)).isEqualTo("0%");
        assertThat(LatencyChart.percentLabel(1)).isEqualTo("90%");
        assertThat(LatencyChart.percentLabel(3)).isEqualTo("99.9%");
        assertThat(LatencyChart.percentLabel(4)).isEqualTo("99.99%");
    }
}
