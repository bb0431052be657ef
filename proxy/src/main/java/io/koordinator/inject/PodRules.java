package io.koordinator.inject;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The subset of the API server's pod validation ({@code k8s.io/kubernetes/pkg/apis/core/validation}) that the
 * injector relies on or could break: container and volume names, ports, probe handlers and the init-container
 * restrictions. The webhook runs before validation, so a pod that breaks these rules is answered {@code allowed:
 * false} with the API server's own wording instead of being patched (or crashing the injector); the fixture tests
 * run the same rules on every patched pod.
 */
final class PodRules {

    /** RFC 1123 label: container and volume names. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    /** IANA_SVC_NAME (RFC 6335): container port names; also at least one letter, no "--". */
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?");

    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

    private PodRules() {}

    /**
     * Replaces absent lists ({@code containers: null}, {@code ports: null}) by empty ones, as the API server's
     * decoding does, so the rest of the injector never sees a null list. Null elements stay: they are a {@link
     * #violation}.
     */
    static void normalize(PodSpec spec) {
        if (spec.getContainers() == null) {
            spec.setContainers(new ArrayList<>());
        }
        if (spec.getInitContainers() == null) {
            spec.setInitContainers(new ArrayList<>());
        }
        if (spec.getVolumes() == null) {
            spec.setVolumes(new ArrayList<>());
        }
        for (Container c : containers(spec)) {
            if (c != null && c.getPorts() == null) {
                c.setPorts(new ArrayList<>());
            }
            if (c != null && c.getEnv() == null) {
                c.setEnv(new ArrayList<>());
            }
        }
    }

    /** The first rule the (normalized) pod breaks, worded like the API server's error, or null if none. */
    static String violation(PodSpec spec) {
        if (spec.getContainers().isEmpty()) {
            return "spec.containers: Required value";
        }
        Set<String> names = new HashSet<>();
        String problem = containers(spec.getInitContainers(), "spec.initContainers", true, names);
        if (problem == null) {
            problem = containers(spec.getContainers(), "spec.containers", false, names);
        }
        if (problem == null) {
            problem = volumes(spec.getVolumes());
        }
        return problem;
    }

    private static String containers(List<Container> list, String field, boolean init, Set<String> names) {
        for (int i = 0; i < list.size(); i++) {
            Container c = list.get(i);
            String at = field + "[" + i + "]";
            if (c == null) {
                return at + ": Required value: a container must be an object, not null";
            }
            String name = c.getName();
            if (name == null || name.isEmpty()) {
                return at + ".name: Required value";
            }
            if (!DNS_LABEL.matcher(name).matches()) {
                return at + ".name: Invalid value: \"" + name + "\": must be a lowercase RFC 1123 label";
            }
            if (!names.add(name)) {
                return at + ".name: Duplicate value: \"" + name + "\"";
            }
            // No check of image: a later webhook may still set it (image policies do).
            String problem = ports(c, at);
            if (problem == null) {
                problem = probes(c, at, init);
            }
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private static String ports(Container c, String at) {
        Set<String> portNames = new HashSet<>();
        for (int j = 0; j < c.getPorts().size(); j++) {
            ContainerPort p = c.getPorts().get(j);
            String pat = at + ".ports[" + j + "]";
            if (p == null) {
                return pat + ": Required value: a port must be an object, not null";
            }
            Integer n = p.getContainerPort();
            if (n == null || n < 1 || n > 65535) {
                return pat + ".containerPort: Invalid value: " + n + ": must be between 1 and 65535, inclusive";
            }
            if (p.getProtocol() != null && !PROTOCOLS.contains(p.getProtocol())) {
                return pat + ".protocol: Unsupported value: \"" + p.getProtocol() + "\": supported values: \"SCTP\","
                        + " \"TCP\", \"UDP\"";
            }
            String name = p.getName();
            if (name != null && !name.isEmpty()) {
                if (!PORT_NAME.matcher(name).matches()
                        || name.contains("--")
                        || name.chars().noneMatch(Character::isLetter)) {
                    return pat + ".name: Invalid value: \"" + name + "\": must be an IANA_SVC_NAME (at most 15"
                            + " characters of [a-z0-9-], at least one letter)";
                }
                if (!portNames.add(name)) {
                    return pat + ".name: Duplicate value: \"" + name + "\"";
                }
            }
        }
        return null;
    }

    private static String probes(Container c, String at, boolean init) {
        // restartPolicy values themselves are left to the API server: newer versions accept more of them.
        boolean sidecar = init && "Always".equals(c.getRestartPolicy());
        String[] kinds = {"livenessProbe", "readinessProbe", "startupProbe"};
        Probe[] probes = {c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()};
        for (int k = 0; k < probes.length; k++) {
            if (probes[k] == null) {
                continue;
            }
            String pat = at + "." + kinds[k];
            if (init && !sidecar) {
                return pat + ": Forbidden: may not be set for init containers without restartPolicy=Always";
            }
            int handlers = (probes[k].getHttpGet() != null ? 1 : 0)
                    + (probes[k].getTcpSocket() != null ? 1 : 0)
                    + (probes[k].getGrpc() != null ? 1 : 0)
                    + (probes[k].getExec() != null ? 1 : 0);
            if (handlers != 1) {
                return pat + ": "
                        + (handlers == 0
                                ? "Required value: must specify a handler type"
                                : "Forbidden:" + " may not specify more than 1 handler type");
            }
            Integer success = probes[k].getSuccessThreshold();
            if (k != 1 && success != null && success != 1) {
                return pat + ".successThreshold: Invalid value: " + success + ": must be 1";
            }
        }
        return null;
    }

    private static String volumes(List<Volume> volumes) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < volumes.size(); i++) {
            Volume v = volumes.get(i);
            String at = "spec.volumes[" + i + "]";
            if (v == null) {
                return at + ": Required value: a volume must be an object, not null";
            }
            if (v.getName() == null || !DNS_LABEL.matcher(v.getName()).matches()) {
                return at + ".name: Invalid value: \"" + v.getName() + "\": must be a lowercase RFC 1123 label";
            }
            if (!names.add(v.getName())) {
                return at + ".name: Duplicate value: \"" + v.getName() + "\"";
            }
        }
        return null;
    }

    private static List<Container> containers(PodSpec spec) {
        List<Container> all = new ArrayList<>(spec.getInitContainers());
        all.addAll(spec.getContainers());
        return all;
    }
}
