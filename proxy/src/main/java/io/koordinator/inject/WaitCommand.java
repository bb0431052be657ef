package io.koordinator.inject;

import io.koordinator.Durations;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code koordinator wait}: polls the proxy's admin endpoint until it answers 200 (exit 0) or the timeout
 * passes (exit 1, one line on stderr). The postStart hook of the fallback mode, which holds back the app
 * container until the proxy is ready.
 */
@Command(
        name = "wait",
        description = "Wait until the proxy's admin endpoint answers 200 (exit 0), or time out (exit 1).")
public final class WaitCommand implements Callable<Integer> {

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help and exit.")
    boolean help;

    private static final Duration INTERVAL = Duration.ofMillis(250);
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);

    @Option(
            names = "--admin-port",
            defaultValue = "${env:KOORD_ADMIN_PORT:-16000}",
            description = "Admin port (${DEFAULT-VALUE}).")
    int adminPort;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Host (${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--path", defaultValue = "/ready", description = "Path (${DEFAULT-VALUE}).")
    String path;

    @Option(
            names = "--timeout",
            defaultValue = "${env:KOORD_WAIT_TIMEOUT:-60s}",
            description = "How long to wait (${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws InterruptedException {
        Duration limit;
        URI uri;
        try {
            limit = Durations.parse(timeout);
            Values.port("" + adminPort);
            uri = URI.create(
                    "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + adminPort + Values.path(path));
        } catch (IllegalArgumentException e) {
            System.err.println("wait: " + e.getMessage());
            return 2;
        }
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "no answer yet";
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(ATTEMPT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofNanos(Math.min(left, ATTEMPT_TIMEOUT.toNanos())))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return 0;
                }
                last = "HTTP " + r.statusCode();
            } catch (HttpTimeoutException e) {
                // An attempt cut short by the deadline says less than what the proxy answered before it.
                if (left >= ATTEMPT_TIMEOUT.toNanos() || !last.startsWith("HTTP ")) {
                    last = "no answer within "
                            + Durations.format(Duration.ofNanos(Math.min(left, ATTEMPT_TIMEOUT.toNanos())));
                }
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            long pause = Math.min(INTERVAL.toNanos(), deadline - System.nanoTime());
            if (pause > 0) {
                TimeUnit.NANOSECONDS.sleep(pause);
            }
        }
        System.err.println("wait: " + uri + " did not answer 200 within " + timeout + " (last: " + last + ")");
        return 1;
    }
}
