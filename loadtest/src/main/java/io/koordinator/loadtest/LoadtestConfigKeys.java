package io.koordinator.loadtest;

/**
 * Every flag of {@code koordinator-loadtest.jar} with its default and unit, in one place.
 *
 * <ul>
 *   <li>{@code kv-app --port P} (required) {@code --host} default {@value #KV_HOST_DEFAULT}
 *   <li>{@code zookeeper --servers} default {@value #ZK_SERVERS_DEFAULT}; {@code --base-port}
 *       default 0 (free ports); {@code --data-dir} default a temporary directory; {@code
 *       --bind-address} default 127.0.0.1; {@code --advertised-address} default the bind address
 * </ul>
 */
public final class LoadtestConfigKeys {
    public static final String KV_HOST_DEFAULT = "127.0.0.1";
    public static final String ZK_SERVERS_DEFAULT = "3";
    public static final String DEMO_DURATION_DEFAULT = "20s";
    public static final String DEMO_CONNECTIONS_DEFAULT = "24";

    private LoadtestConfigKeys() {}
}
