package io.koordinator.inject;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The injector's defaults, read once at start-up from the {@code --config} file (see {@link InjectorConfigLoader}).
 * Pod annotations override some of them per pod.
 *
 * @param image image of the init container and the proxy
 * @param imagePullPolicy Always | IfNotPresent | Never
 * @param zookeeper default ZooKeeper connect string
 * @param readPolicy default read policy: ordered | local
 * @param nativeSidecars true: the proxy is a native sidecar (an init container with restartPolicy Always,
 *     Kubernetes 1.29+); false: the proxy is the first regular container, held ready by a postStart hook
 * @param proxyStartupPath admin path the proxy's startupProbe and the fallback postStart {@code wait} poll
 * @param waitTimeout how long the fallback postStart hook waits for the proxy
 * @param proxyResources requests and limits of the proxy container
 * @param initResources requests and limits of the init container
 * @param transferTokenSecret Secret whose key {@code token} is every group's state-transfer token, or null: each
 *     group's proxies keep a generated token in the group's ZooKeeper subtree
 */
public record InjectorConfig(
        String image,
        String imagePullPolicy,
        String zookeeper,
        String readPolicy,
        boolean nativeSidecars,
        String proxyStartupPath,
        Duration waitTimeout,
        Resources proxyResources,
        Resources initResources,
        String transferTokenSecret) {

    public InjectorConfig {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(imagePullPolicy, "imagePullPolicy");
        Objects.requireNonNull(zookeeper, "zookeeper");
        Objects.requireNonNull(readPolicy, "readPolicy");
        Objects.requireNonNull(proxyStartupPath, "proxyStartupPath");
        Objects.requireNonNull(waitTimeout, "waitTimeout");
        Objects.requireNonNull(proxyResources, "proxyResources");
        Objects.requireNonNull(initResources, "initResources");
    }

    /** Built-in defaults: every field a config file leaves out takes its value from here. */
    public static InjectorConfig defaults() {
        return new InjectorConfig(
                "koordinator:latest",
                "IfNotPresent",
                "zookeeper.koordinator-system.svc:2181",
                "ordered",
                true,
                "/live",
                Duration.ofSeconds(60),
                new Resources(
                        Map.of("cpu", new Quantity("100m"), "memory", new Quantity("256Mi")),
                        Map.of("memory", new Quantity("512Mi"))),
                new Resources(
                        Map.of("cpu", new Quantity("10m"), "memory", new Quantity("64Mi")),
                        Map.of("memory", new Quantity("256Mi"))),
                null);
    }

    /** Same config with another mode; for tests and the fallback fixtures. */
    public InjectorConfig withNativeSidecars(boolean value) {
        return new InjectorConfig(
                image,
                imagePullPolicy,
                zookeeper,
                readPolicy,
                value,
                proxyStartupPath,
                waitTimeout,
                proxyResources,
                initResources,
                transferTokenSecret);
    }

    /** Requests and limits by resource name (cpu, memory, ...), sorted so output is stable. */
    public record Resources(Map<String, Quantity> requests, Map<String, Quantity> limits) {

        public Resources {
            requests = Map.copyOf(requests);
            limits = Map.copyOf(limits);
        }

        /** Requests with {@code name} set to {@code request}; the limit is raised to it if lower. */
        public Resources withRequest(String name, Quantity request) {
            Map<String, Quantity> r = new TreeMap<>(requests);
            r.put(name, request);
            Map<String, Quantity> l = new TreeMap<>(limits);
            Quantity limit = l.get(name);
            if (limit != null && amount(limit).compareTo(amount(request)) < 0) {
                l.put(name, request);
            }
            return new Resources(r, l);
        }

        /** Throws if some request is above its limit (the API server would reject such a pod). */
        void check(String key) {
            requests.forEach((name, request) -> {
                Quantity limit = limits.get(name);
                if (limit != null && amount(limit).compareTo(amount(request)) < 0) {
                    throw new IllegalArgumentException(
                            key + ": request " + name + "=" + request + " is above its limit " + limit);
                }
            });
        }

        static BigDecimal amount(Quantity q) {
            return Quantity.getAmountInBytes(q);
        }
    }
}
