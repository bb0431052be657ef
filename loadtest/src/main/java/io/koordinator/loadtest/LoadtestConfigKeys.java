package io.koordinator.loadtest;

/**
 * Every flag of {@code koordinator-loadtest.jar} with its default and unit, in one place.
 *
 * <ul>
 *   <li>{@code kv-app --port P} (required) {@code --host} default {@value #KV_HOST_DEFAULT}
 *   <li>{@code zookeeper --servers} default {@value #ZK_SERVERS_DEFAULT}; {@code --base-port}
 *       default 0 (free ports); {@code --data-dir} default a temporary directory; {@code
 *       --bind-address} default 127.0.0.1; {@code --advertised-address} default the bind address;
 *       {@code --member} default 0 (all servers in this JVM; {@code i}: server i alone, needs
 *       {@code --base-port} and {@code --data-dir}); {@code --max-session-timeout} default
 *       ZooKeeper's 20 ticks
 *   <li>{@code demo --duration} default {@value #DEMO_DURATION_DEFAULT}; {@code --connections}
 *       default {@value #DEMO_CONNECTIONS_DEFAULT}; {@code --replicas} default 3; {@code
 *       --max-requests} default 10,000,000
 *   <li>{@code bench --quick} off (on: 3s phases, 3s warm-up, 10s cold start, 3s wrk runs);
 *       {@code --duration} default 15s per phase; {@code --warmup} default 10s; {@code
 *       --cold-start} default 20s; {@code --pass-duration} default 10s per wrk run; {@code
 *       --connections} default 64; {@code --in-flight} default 100; {@code --data-bytes} default
 *       128; {@code --replicas} default 1,3; {@code --phases} default
 *       zk,ordered,coldstart,passthrough; {@code --c1} off; {@code --json FILE} none; {@code
 *       --proxy-arg} and {@code --proxy-jvm-arg} repeatable, none by default; {@code
 *       --[no-]class-archive} on (a 15 s training run first; proxies start with its archive)
 *   <li>{@code class-archive --out FILE} (required); {@code --duration} default 15s
 *   <li>{@code load --target host:port,...} (required); {@code --connections} default 8; {@code
 *       --rate} default 0 (closed loop; else requests/s in open loop); {@code --duration} default
 *       10s; {@code --warmup} default 0s; {@code --max-requests} default 1,000,000; {@code --mix}
 *       default 40,25,10,25 (percent append,put,delete,get); {@code --keys} default 8,8
 *       (append,register); {@code --key-distribution} default uniform (or zipfian); {@code
 *       --value-bytes} default 0 (bare tokens); {@code --hlog}, {@code --json}, {@code --chart}
 *       (.png or .svg) and {@code --check-app host:port,...} none by default
 *   <li>{@code chaos --duration} default 60s; {@code --seed} default random (printed); {@code
 *       --history FILE} none by default; {@code --clients} default 12; {@code --keys} default 3,3
 *       (append,register); {@code --session-timeout} default 6s; {@code --request-timeout}
 *       default 4s; {@code --znode-bound} default 0 (report only); {@code --faults} default all
 *       kinds; {@code --check-budget} default 5,000,000 steps
 *   <li>system properties {@code koordinator.proxy.jar} and {@code koordinator.loadtest.jar}:
 *       where the demo, bench and tests find the shaded jars (default: {@code
 *       proxy/target/koordinator.jar} and {@code loadtest/target/koordinator-loadtest.jar} of the
 *       source tree)
 * </ul>
 *
 * <p>Durations read as {@code 250ms}, {@code 20s}, {@code 2m}, or a bare number of seconds.
 */
public final class LoadtestConfigKeys {
    public static final String KV_HOST_DEFAULT = "127.0.0.1";
    public static final String ZK_SERVERS_DEFAULT = "3";
    public static final String DEMO_DURATION_DEFAULT = "20s";
    public static final String DEMO_CONNECTIONS_DEFAULT = "24";

    private LoadtestConfigKeys() {}
}
