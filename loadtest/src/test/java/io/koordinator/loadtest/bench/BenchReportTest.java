package io.koordinator.loadtest.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.koordinator.loadtest.DurationConverter;
import io.koordinator.loadtest.cluster.ClusterConfig;
import io.koordinator.loadtest.cluster.Jars;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The bench's JSON keys, absent figures, ratios, and the parsers of wrk and /proc. */
class BenchReportTest {
    @TempDir
    Path dir;

    @Test
    void jsonHasTheIssuesKeysAsNumbersAndLeavesAbsentPhasesOut() throws Exception {
        BenchReport report = new BenchReport();
        report.figure("zk_sync_create_ops", 1004);
        report.figure("zk_sync_create_p50_ms", 0.92);
        report.figure("zk_pipelined_create_ops", 4568);
        report.figure("ordered_3_ops", 732);
        report.figure("cold_start_ratio_5s", Double.NaN);
        Path file = dir.resolve("bench.json");
        report.writeJson(file);

        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.propertyNames())
                .containsExactly(
                        "zk_sync_create_ops", "zk_sync_create_p50_ms", "zk_pipelined_create_ops", "ordered_3_ops");
        assertThat(json.get("zk_sync_create_p50_ms").isNumber()).isTrue();
        assertThat(json.get("ordered_3_ops").asDouble()).isEqualTo(732.0);
    }

    @Test
    void everyKeyOfTheIssueIsAKnownFigure() {
        assertThat(BenchReport.KEYS)
                .containsSubsequence(
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
                        "linearizable_read_ops",
                        "ordered_read_ops")
                .doesNotHaveDuplicates();
        assertThatThrownBy(() -> new BenchReport().figure("ordered_ops", 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ratiosCompareAgainstTheGoalsAndAreAbsentWithoutTheirFigures() {
        BenchReport report = new BenchReport();
        report.figure("zk_pipelined_create_ops", 4000);
        report.figure("zk_sync_create_ops", 1000);
        report.figure("ordered_3_ops", 800);
        report.figure("ordered_3_half_p50_ms", 10);
        report.figure("ordered_3_half_p99_ms", 40);

        List<BenchReport.Ratio> ratios = report.ratios();
        BenchReport.Ratio pipelined = find(ratios, "ordered 3 replicas / pipelined creates");
        assertThat(pipelined.value()).isEqualTo(0.2);
        assertThat(pipelined.met()).isFalse();
        BenchReport.Ratio stall = find(ratios, "ordered 3, half saturation: p99 / p50");
        assertThat(stall.value()).isEqualTo(4.0);
        assertThat(stall.met()).isTrue();
        assertThat(find(ratios, "linearizable / ordered reads").value()).isNaN();
        assertThat(find(ratios, "ordered 3 / (pass-through / 3), co-location ceiling")
                        .value())
                .isNaN();
    }

    private static BenchReport.Ratio find(List<BenchReport.Ratio> ratios, String name) {
        return ratios.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void readsWrksReportInEveryUnit() throws Exception {
        String report = String.join(
                "\n",
                "Running 3s test @ http://127.0.0.1:8080/healthz",
                "  2 threads and 50 connections",
                "  Thread Stats   Avg      Stdev     Max   +/- Stdev",
                "    Latency     2.10ms    1.00ms  30.00ms   90.00%",
                "  Latency Distribution",
                "     50%  850.00us",
                "     75%    1.20ms",
                "     90%    1.90ms",
                "     99%    1.25s",
                "  60000 requests in 3.00s, 5.00MB read",
                "  Socket errors: connect 0, read 2, write 0, timeout 0",
                "Requests/sec:  20000.50",
                "Transfer/sec:      1.67MB");
        Wrk.Result r = Wrk.parse(report);
        assertThat(r.rate()).isEqualTo(20000.5);
        assertThat(r.p50Millis()).isEqualTo(0.85);
        assertThat(r.p99Millis()).isEqualTo(1250.0);
        assertThat(r.errors()).isEqualTo("Socket errors: connect 0, read 2, write 0, timeout 0");
        assertThatThrownBy(() -> Wrk.parse("unable to connect")).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void readsCpuTimeAndRssFromProc() throws Exception {
        // Fields 14 and 15 (utime, stime) are 250 and 150 ticks; the name holds a space and a ')'.
        String stat = "4242 (java x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 150 0 0 20 0 30 0 12345 "
                + "3000000000 52000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assertThat(ProcStats.cpuSeconds(stat)).isEqualTo(400 / (double) clockTicks());
        assertThat(ProcStats.rssBytes("Name:\tjava\nVmHWM:\t  300000 kB\nVmRSS:\t  204800 kB\n"))
                .isEqualTo(200L * 1024 * 1024);
        ProcStats self = ProcStats.of(ProcessHandle.current().pid());
        assertThat(self.cpuSeconds()).isPositive();
        assertThat(self.jitSeconds()).isBetween(0.0, self.cpuSeconds());
        assertThat(self.rssBytes()).isGreaterThan(10L * 1024 * 1024);
    }

    @Test
    void theJitCompilersThreadsAreToldApartByName() {
        assertThat(ProcStats.isCompilerThread("77 (C2 CompilerThre) S 1 2 3")).isTrue();
        assertThat(ProcStats.isCompilerThread("78 (C1 CompilerThre) S 1 2 3")).isTrue();
        assertThat(ProcStats.isCompilerThread("79 (follower-replic) S 1 2 3")).isFalse();
        assertThat(ProcStats.isCompilerThread("80 (java) S 1 2 3")).isFalse();
    }

    private static long clockTicks() throws Exception {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
        return Long.parseLong(new String(p.getInputStream().readAllBytes()).trim());
    }

    @Test
    void quickShortensEveryPhaseAndTheJitIsTheDefaultUnlessC1IsAsked() {
        BenchSettings quick = parse("--quick", "--c1", "--phases", "zk,ordered");
        assertThat(List.of(quick.duration(), quick.warmup(), quick.coldStart(), quick.passDuration()))
                .containsExactly(
                        Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ofSeconds(3));
        assertThat(quick.jvmOptions()).contains("-XX:TieredStopAtLevel=1", "-Xmx512m");
        assertThat(quick.phases()).containsExactlyInAnyOrder("zk", "ordered");

        BenchSettings full = parse("--duration", "20s");
        assertThat(full.duration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(full.warmup()).isEqualTo(Duration.ofSeconds(10));
        assertThat(full.jvmOptions()).noneMatch(o -> o.startsWith("-XX:TieredStopAtLevel"));
        assertThat(full.resourceReplicas()).isEqualTo(3);

        assertThat(parse("--phases", "zk,reads").phases()).containsExactlyInAnyOrder("zk", "reads");
        assertThatThrownBy(() -> parse("--phases", "zk,writes")).hasMessageContaining("unknown phase writes");
    }

    @Test
    void zooKeeperRunsInOneJvmUnlessAJvmPerServerIsAsked() {
        Jars jars = new Jars(Path.of("proxy.jar"), Path.of("loadtest.jar"));
        ClusterConfig shared = parse().cluster(3, jars);
        assertThat(shared.zkProcessPerServer()).isFalse();
        assertThat(shared.zkServers()).isEqualTo(3);
        assertThat(shared.replicas()).isEqualTo(3);
        assertThat(shared.zkJvmOptions()).containsExactlyElementsOf(BenchCommand.ZK_JVM_OPTIONS);

        ClusterConfig perServer = parse("--zk-process-per-server", "--zk-jvm-arg=-XX:MaxGCPauseMillis=20")
                .cluster(1, jars);
        assertThat(perServer.zkProcessPerServer()).isTrue();
        assertThat(perServer.zkJvmOptions()).endsWith("-XX:MaxGCPauseMillis=20");
        assertThat(perServer.zkJvmOptions()).startsWith(BenchCommand.ZK_JVM_OPTIONS.toArray(String[]::new));
    }

    private static BenchSettings parse(String... args) {
        BenchCommand command = new BenchCommand();
        new CommandLine(command)
                .registerConverter(Duration.class, new DurationConverter())
                .parseArgs(args);
        return command.settings();
    }
}
