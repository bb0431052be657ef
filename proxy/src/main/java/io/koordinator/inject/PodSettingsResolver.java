package io.koordinator.inject;

import static io.koordinator.inject.InjectConfigKeys.*;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Turns a pod's {@code koordinator.io/*} annotations and labels, over the injector defaults, into
 * {@link PodSettings}. Every invalid value is a {@link Refusal} naming the annotation: a pod is either
 * injected correctly or not admitted, never half-configured.
 */
final class PodSettingsResolver {

    private final InjectorConfig config;

    PodSettingsResolver(InjectorConfig config) {
        this.config = config;
    }

    PodSettings resolve(Pod pod) {
        Map<String, String> annotations = orEmpty(pod.getMetadata().getAnnotations());
        Map<String, String> labels = orEmpty(pod.getMetadata().getLabels());

        checkProxyPortsFree(pod);
        String group = group(annotations, labels);
        int appPort = appPort(pod, annotations);
        String readPolicy = value(annotations, READ_POLICY, Values::readPolicy, config.readPolicy());
        String zookeeper = value(annotations, ZOOKEEPER, Values::zookeeper, config.zookeeper());

        Set<String> passThrough =
                new LinkedHashSet<>(value(annotations, PASS_THROUGH, Values::pathList, List.<String>of()));
        boolean rewriteProbes = value(annotations, REWRITE_PROBES, Values::bool, true);
        if (!rewriteProbes) {
            passThrough.addAll(ProbePaths.onAppPort(pod.getSpec(), appPort));
        }

        Map<String, String> tuning = new LinkedHashMap<>();
        tune(tuning, annotations, BATCH_MAX_COMMANDS, ENV_BATCH_MAX_COMMANDS, t -> "" + Values.positiveInt(t));
        tune(tuning, annotations, BATCH_MAX_BYTES, ENV_BATCH_MAX_BYTES, t -> "" + Values.positiveInt(t));
        tune(tuning, annotations, BATCH_MAX_DELAY, ENV_BATCH_MAX_DELAY, Values::duration);
        tune(tuning, annotations, MAX_APPENDS_IN_FLIGHT, ENV_MAX_APPENDS_IN_FLIGHT, t -> "" + Values.positiveInt(t));
        tune(tuning, annotations, MAX_BODY_BYTES, ENV_MAX_BODY_BYTES, t -> "" + Values.positiveInt(t));
        tune(tuning, annotations, REQUEST_TIMEOUT, ENV_REQUEST_TIMEOUT, Values::duration);
        tune(tuning, annotations, SNAPSHOT_PATH, ENV_SNAPSHOT_PATH, Values::path);
        tune(tuning, annotations, HEADER_READ_TIMEOUT, ENV_HEADER_READ_TIMEOUT, Values::duration);
        tune(tuning, annotations, MAX_REQUEST_LINE_BYTES, ENV_MAX_REQUEST_LINE_BYTES, t -> "" + Values.positiveInt(t));
        tune(tuning, annotations, MAX_HEADER_BYTES, ENV_MAX_HEADER_BYTES, t -> "" + Values.positiveInt(t));
        tune(tuning, annotations, MAX_CONNECTIONS, ENV_MAX_CONNECTIONS, t -> "" + Values.positiveInt(t));
        tune(tuning, annotations, MAX_ORDERED_IN_FLIGHT, ENV_MAX_ORDERED_IN_FLIGHT, t -> "" + Values.positiveInt(t));
        tune(
                tuning,
                annotations,
                MAX_ORDERED_IN_FLIGHT_BYTES,
                ENV_MAX_ORDERED_IN_FLIGHT_BYTES,
                t -> "" + Values.positiveInt(t));
        tune(tuning, annotations, LOG_FORMAT, ENV_LOG_FORMAT, t -> Values.oneOf(t, "text", "json"));
        tune(tuning, annotations, ACCESS_LOG, ENV_ACCESS_LOG, t -> Values.oneOf(t, "on", "off"));
        tune(tuning, annotations, APP_KIND, ENV_APP_KIND, t -> Values.oneOf(t, "memory", "durable", "position-aware"));
        tune(tuning, annotations, ON_DIVERGENCE, ENV_ON_DIVERGENCE, t -> Values.oneOf(t, "report", "resync"));
        tune(tuning, annotations, ARCHIVE_MAX_BYTES, ENV_ARCHIVE_MAX_BYTES, t -> "" + Values.nonNegativeLong(t));
        String stateVolume = stateVolume(pod, annotations);
        if (stateVolume == null && "durable".equals(tuning.get(ENV_APP_KIND))) {
            checkDurableDataBesideTheCheckpoint(pod);
        }
        String tokenSecret =
                value(annotations, TRANSFER_TOKEN_SECRET, Values::secretName, config.transferTokenSecret());

        InjectorConfig.Resources resources = config.proxyResources();
        if (annotations.containsKey(PROXY_CPU)) {
            resources = resources.withRequest("cpu", value(annotations, PROXY_CPU, Values::quantity, null));
        }
        if (annotations.containsKey(PROXY_MEMORY)) {
            resources = resources.withRequest("memory", value(annotations, PROXY_MEMORY, Values::quantity, null));
        }

        Set<Integer> exclude = new LinkedHashSet<>(List.of(ADMIN_PORT));
        exclude.addAll(value(annotations, EXCLUDE_INBOUND_PORTS, Values::portList, List.<Integer>of()));
        if (exclude.contains(appPort)) {
            throw new Refusal("annotation " + EXCLUDE_INBOUND_PORTS + ": excludes the app port " + appPort
                    + ", so no request would reach the proxy");
        }
        return new PodSettings(
                group,
                appPort,
                readPolicy,
                zookeeper,
                new ArrayList<>(passThrough),
                tuning,
                resources,
                new ArrayList<>(exclude),
                value(annotations, CAPTURE_IPV6, t -> Values.oneOf(t, "auto", "on", "off"), null),
                rewriteProbes,
                stateVolume,
                tokenSecret,
                value(annotations, ZK_CREDENTIALS_SECRET, Values::secretName, null),
                value(annotations, ZK_TLS_SECRET, Values::secretName, null));
    }

    /**
     * The pod's own volume named by {@value InjectConfigKeys#STATE_VOLUME}, or null when the injector adds its
     * emptyDir. The proxy writes there as UID/GID 65532, so a volume that cannot be written is refused.
     */
    private static String stateVolume(Pod pod, Map<String, String> annotations) {
        String name = value(annotations, STATE_VOLUME, Values::volumeName, null);
        if (name == null) {
            return null;
        }
        Volume volume = pod.getSpec().getVolumes().stream()
                .filter(v -> name.equals(v.getName()))
                .findFirst()
                .orElseThrow(() -> new Refusal("annotation " + STATE_VOLUME + ": the pod has no volume named '" + name
                        + "' (its volumes: "
                        + (pod.getSpec().getVolumes().isEmpty()
                                ? "none"
                                : pod.getSpec().getVolumes().stream()
                                        .map(Volume::getName)
                                        .collect(Collectors.joining(", ")))
                        + "); name one of them, or leave the annotation out for an emptyDir"));
        String readOnly = readOnlyKind(volume);
        if (readOnly != null) {
            throw new Refusal("annotation " + STATE_VOLUME + ": volume '" + name + "' is a " + readOnly
                    + " volume, which the proxy cannot write its state to");
        }
        return name;
    }

    /**
     * A durable app's data on a claim and the proxy's checkpoint on an emptyDir do not share fate: the pod's
     * replacement would find the data but no checkpoint, and replay the log into an app that has applied it.
     */
    private static void checkDurableDataBesideTheCheckpoint(Pod pod) {
        Set<String> mounted = java.util.stream.Stream.concat(
                        pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .flatMap(c ->
                        c.getVolumeMounts() == null ? java.util.stream.Stream.empty() : c.getVolumeMounts().stream())
                .map(VolumeMount::getName)
                .collect(Collectors.toSet());
        pod.getSpec().getVolumes().stream()
                .filter(v -> v.getPersistentVolumeClaim() != null || v.getEphemeral() != null)
                .map(Volume::getName)
                .filter(mounted::contains)
                .findFirst()
                .ifPresent(name -> {
                    throw new Refusal("annotation " + APP_KIND + ": a durable app whose data is on the claim '" + name
                            + "' needs the proxy's checkpoint beside it: set the annotation " + STATE_VOLUME + ": "
                            + name + " (on an emptyDir, a replaced pod would replay the log into data that has it"
                            + " already)");
                });
    }

    /** The kind of a volume the proxy could not write to, or null. */
    private static String readOnlyKind(Volume v) {
        if (v.getConfigMap() != null) {
            return "configMap";
        }
        if (v.getSecret() != null) {
            return "secret";
        }
        if (v.getDownwardAPI() != null) {
            return "downwardAPI";
        }
        if (v.getProjected() != null) {
            return "projected";
        }
        if (v.getPersistentVolumeClaim() != null
                && Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly())) {
            return "read-only persistentVolumeClaim";
        }
        return null;
    }

    /** The proxy shares the pod's network namespace: its ports must not be the app's. */
    private static void checkProxyPortsFree(Pod pod) {
        java.util.stream.Stream.concat(
                        pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .forEach(c -> c.getPorts().stream()
                        .map(ContainerPort::getContainerPort)
                        .filter(p -> p != null && (p == ADMIN_PORT || p == INBOUND_PORT))
                        .findFirst()
                        .ifPresent(p -> {
                            throw new Refusal("container '" + c.getName() + "' declares port " + p
                                    + ", which the proxy needs (admin " + ADMIN_PORT + ", inbound " + INBOUND_PORT
                                    + ")");
                        }));
    }

    private static String group(Map<String, String> annotations, Map<String, String> labels) {
        if (annotations.containsKey(GROUP)) {
            return value(annotations, GROUP, Values::group, null);
        }
        for (String label : List.of("app.kubernetes.io/name", "app")) {
            String v = labels.get(label);
            if (v != null && !v.isBlank()) {
                try {
                    return Values.group(v);
                } catch (IllegalArgumentException e) {
                    throw new Refusal(
                            "label " + label + " as the group: " + e.getMessage() + "; set the annotation " + GROUP);
                }
            }
        }
        throw new Refusal("cannot tell the replicated group: set the annotation " + GROUP
                + " or the label app.kubernetes.io/name (or app)");
    }

    private static int appPort(Pod pod, Map<String, String> annotations) {
        AppPort chosen = AppPort.choose(pod.getSpec(), annotations);
        int port = chosen.port();
        if (port == ADMIN_PORT || port == INBOUND_PORT) {
            throw new Refusal(chosen.source() + ": port " + port + " is the proxy's own (admin " + ADMIN_PORT
                    + ", inbound " + INBOUND_PORT + ")");
        }
        return port;
    }

    private static void tune(
            Map<String, String> tuning,
            Map<String, String> annotations,
            String key,
            String env,
            Function<String, String> parse) {
        if (annotations.containsKey(key)) {
            tuning.put(env, value(annotations, key, parse, null));
        }
    }

    private static <T> T value(Map<String, String> annotations, String key, Function<String, T> parse, T fallback) {
        String text = annotations.get(key);
        if (text == null) {
            return fallback;
        }
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException e) {
            throw Refusal.annotation(key, e);
        }
    }

    private static Map<String, String> orEmpty(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }
}
