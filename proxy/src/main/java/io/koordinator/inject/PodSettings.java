package io.koordinator.inject;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the injector decided for one pod, from its annotations and labels over the injector defaults.
 *
 * @param group replicated group name
 * @param appPort the app's port: captured by the init container, the proxy's upstream
 * @param readPolicy default read policy of the proxy
 * @param zookeeper ZooKeeper connect string
 * @param passThrough path prefixes the proxy passes through unordered: the annotation's, then the probes'
 * @param tuning further proxy environment, by variable name, in a fixed order (only what annotations set)
 * @param proxyResources requests and limits of the proxy container
 * @param excludeInboundPorts ports the init container never redirects (the admin port first)
 * @param captureIpv6 the init container's {@code --ipv6} ({@code auto}, {@code on}, {@code off}), or null: init's
 *     default
 * @param rewriteProbes whether probes on the app port go to the proxy's {@code /app-health/} routes
 * @param stateVolume the pod's own volume that holds the proxy's state directory, or null: the injector adds an
 *     emptyDir
 * @param transferTokenSecret Secret holding the group's state-transfer token, or null: none injected
 * @param zkCredentialsSecret Secret holding the group's ZooKeeper credentials, or null: none mounted
 * @param zkTlsSecret Secret holding the proxy's TLS material for ZooKeeper, or null: plain TCP
 */
public record PodSettings(
        String group,
        int appPort,
        String readPolicy,
        String zookeeper,
        List<String> passThrough,
        Map<String, String> tuning,
        InjectorConfig.Resources proxyResources,
        List<Integer> excludeInboundPorts,
        String captureIpv6,
        boolean rewriteProbes,
        String stateVolume,
        String transferTokenSecret,
        String zkCredentialsSecret,
        String zkTlsSecret) {

    public PodSettings {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(readPolicy, "readPolicy");
        Objects.requireNonNull(zookeeper, "zookeeper");
        passThrough = List.copyOf(passThrough);
        tuning = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tuning));
        Objects.requireNonNull(proxyResources, "proxyResources");
        excludeInboundPorts = List.copyOf(excludeInboundPorts);
        if (appPort < 1 || appPort > 65535) {
            throw new IllegalArgumentException("appPort out of range: " + appPort);
        }
    }
}
