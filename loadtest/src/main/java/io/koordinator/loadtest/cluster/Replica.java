package io.koordinator.loadtest.cluster;

import java.net.InetSocketAddress;

/**
 * One replica of a {@link LocalCluster}: the app and its proxy, each a child process.
 *
 * @param name {@code replica-<i>}, also the proxy's replica id
 * @param appPort the kv-app's port
 * @param listenPort the proxy's inbound port, where clients go
 * @param adminPort the proxy's admin port
 * @param app the kv-app process
 * @param proxy the proxy process
 */
public record Replica(String name, int appPort, int listenPort, int adminPort, ChildProcess app, ChildProcess proxy) {

    public Replica withApp(ChildProcess v) {
        return new Replica(name, appPort, listenPort, adminPort, v, proxy);
    }

    public Replica withProxy(ChildProcess v) {
        return new Replica(name, appPort, listenPort, adminPort, app, v);
    }

    public InetSocketAddress inbound() {
        return new InetSocketAddress("127.0.0.1", listenPort);
    }

    public InetSocketAddress appAddress() {
        return new InetSocketAddress("127.0.0.1", appPort);
    }

    public InetSocketAddress admin() {
        return new InetSocketAddress("127.0.0.1", adminPort);
    }
}
