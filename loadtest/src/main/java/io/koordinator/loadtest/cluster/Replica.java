package io.koordinator.loadtest.cluster;

import java.net.InetSocketAddress;

/**
 * One replica of a {@link LocalCluster}: the app and its proxy, each a child process.
 *
 * @param name {@code replica-<i>}, also the proxy's replica id
 * @param host where the replica is reached: 127.0.0.1, or its namespace's address when it runs
 *     in one ({@link ClusterConfig#withPodNamespaces})
 * @param appPort the kv-app's port
 * @param listenPort the proxy's inbound port, where clients go
 * @param adminPort the proxy's admin port
 * @param app the kv-app process
 * @param proxy the proxy process
 */
public record Replica(
        String name, String host, int appPort, int listenPort, int adminPort, ChildProcess app, ChildProcess proxy) {

    public Replica withApp(ChildProcess v) {
        return new Replica(name, host, appPort, listenPort, adminPort, v, proxy);
    }

    public Replica withProxy(ChildProcess v) {
        return new Replica(name, host, appPort, listenPort, adminPort, app, v);
    }

    public InetSocketAddress inbound() {
        return new InetSocketAddress(host, listenPort);
    }

    public InetSocketAddress appAddress() {
        return new InetSocketAddress(host, appPort);
    }

    public InetSocketAddress admin() {
        return new InetSocketAddress(host, adminPort);
    }
}
