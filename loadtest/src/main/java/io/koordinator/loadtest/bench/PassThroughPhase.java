package io.koordinator.loadtest.bench;

import io.koordinator.loadtest.cluster.Replica;
import io.koordinator.loadtest.zk.FreePorts;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pass-through (a path the proxy does not order, here {@code /healthz}) measured with wrk at 50
 * connections and at 1: through the proxy, against the app directly, and through nginx in front
 * of the same app. The three targets take turns at each connection count, so a change in the
 * machine's load hits them alike.
 */
final class PassThroughPhase {
    static final String PATH = "/healthz";
    static final List<Integer> CONNECTIONS = List.of(50, 1);

    private PassThroughPhase() {}

    static void run(Replica replica, BenchSettings settings, BenchReport report, PrintStream out)
            throws IOException, InterruptedException {
        if (!Wrk.available() || !Nginx.available()) {
            report.note("pass-through: absent, wrk or nginx is not installed (./scripts/bench installs both)");
            return;
        }
        try (Nginx nginx = Nginx.start(FreePorts.pick(1)[0], replica.appPort())) {
            Map<String, String> urls = new LinkedHashMap<>();
            urls.put("direct", "http://127.0.0.1:" + replica.appPort() + PATH);
            urls.put("passthrough", "http://127.0.0.1:" + replica.listenPort() + PATH);
            urls.put("nginx", "http://127.0.0.1:" + nginx.port() + PATH);
            out.printf("    pass-through: wrk against %s%n", urls.values());
            Duration warm =
                    settings.warmup().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : settings.warmup();
            for (String url : urls.values()) {
                Wrk.run(url, 50, warm);
            }
            for (int c : CONNECTIONS) {
                for (Map.Entry<String, String> target : urls.entrySet()) {
                    Wrk.Result r = Wrk.run(target.getValue(), c, settings.passDuration());
                    String key = target.getKey() + (c == 1 ? "_1c" : "");
                    report.figure(key + "_ops", r.rate());
                    if (!target.getKey().equals("direct")) {
                        report.figure(key + "_p99_ms", r.p99Millis());
                    }
                    report.row(
                            label(target.getKey()) + ", wrk " + c + (c == 1 ? " conn" : " conns"),
                            r.rate(),
                            r.p50Millis(),
                            r.p99Millis(),
                            "GET " + PATH + (r.errors().isEmpty() ? "" : "; " + r.errors()));
                }
            }
        }
    }

    private static String label(String target) {
        return switch (target) {
            case "direct" -> "app directly (no proxy)";
            case "passthrough" -> "pass-through via the proxy";
            default -> "nginx in front of the app";
        };
    }
}
