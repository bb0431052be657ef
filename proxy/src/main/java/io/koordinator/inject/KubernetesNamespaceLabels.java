package io.koordinator.inject;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads namespace labels with {@code GET /api/v1/namespaces/<name>} (RBAC: {@code get} on {@code namespaces}),
 * keeping each answer for a short while, since a Deployment's pods arrive in bursts. A failed read (no RBAC, API
 * server busy) answers no labels, logs and counts: injection goes on and the API server's Pod Security admission
 * still has the last word. Thread-safe.
 */
final class KubernetesNamespaceLabels implements NamespaceLabels {

    private static final Logger log = LoggerFactory.getLogger(KubernetesNamespaceLabels.class);

    private record Entry(Map<String, String> labels, Instant expires) {}

    private final KubernetesClient client;
    private final Duration ttl;
    private final Clock clock;
    private final InjectMetrics metrics;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    KubernetesNamespaceLabels(KubernetesClient client, Duration ttl, Clock clock, InjectMetrics metrics) {
        this.client = Objects.requireNonNull(client, "client");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public Map<String, String> of(String namespace) {
        if (namespace == null || namespace.isEmpty()) {
            return Map.of();
        }
        Instant now = clock.instant();
        Entry e = cache.get(namespace);
        if (e != null && now.isBefore(e.expires())) {
            return e.labels();
        }
        try {
            Namespace ns = client.namespaces().withName(namespace).get();
            Map<String, String> labels = ns == null || ns.getMetadata().getLabels() == null
                    ? Map.of()
                    : Map.copyOf(ns.getMetadata().getLabels());
            cache.put(namespace, new Entry(labels, now.plus(ttl)));
            return labels;
        } catch (RuntimeException ex) {
            metrics.namespaceLookupFailure();
            log.warn("injector: cannot read the labels of namespace {}: {}", namespace, ex.getMessage());
            return Map.of();
        }
    }
}
