package io.koordinator.inject;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Only with {@code koordinator.io/rewrite-probes: "false"} (otherwise {@link ProbeRewrite} applies): the paths of
 * the pod's httpGet probes that hit the app port. The injector then leaves these probes alone: the
 * kubelet's request is captured like any other and reaches the proxy, which must pass it through unordered
 * (a probe must not wait for ZooKeeper, nor be replicated), so the paths join {@code KOORD_PASS_THROUGH}.
 * Probes on another port are not captured and need nothing.
 */
final class ProbePaths {

    private ProbePaths() {}

    /** Probe paths on {@code appPort}, in container and probe order, without duplicates. */
    static List<String> onAppPort(PodSpec spec, int appPort) {
        Set<String> paths = new LinkedHashSet<>();
        List<Container> all = new ArrayList<>(spec.getContainers());
        // Native sidecars of the user's own (restartPolicy Always) are probed while the pod runs, too.
        spec.getInitContainers().stream()
                .filter(c -> "Always".equals(c.getRestartPolicy()))
                .forEach(all::add);
        for (Container c : all) {
            add(paths, c, "livenessProbe", c.getLivenessProbe(), appPort);
            add(paths, c, "readinessProbe", c.getReadinessProbe(), appPort);
            add(paths, c, "startupProbe", c.getStartupProbe(), appPort);
        }
        return List.copyOf(paths);
    }

    private static void add(Set<String> paths, Container c, String kind, Probe probe, int appPort) {
        if (probe == null || probe.getHttpGet() == null) {
            return;
        }
        HTTPGetAction get = probe.getHttpGet();
        Integer port = resolve(c, get.getPort());
        if (port == null || port != appPort) {
            return;
        }
        String raw = get.getPath() == null || get.getPath().isEmpty() ? "/" : get.getPath();
        int query = raw.indexOf('?');
        String path = query < 0 ? raw : raw.substring(0, query);
        String where =
                kind + " of container '" + c.getName() + "' checks path '" + path + "' on the app port " + appPort;
        if (path.equals("/")) {
            throw new Refusal(where + "; as a pass-through prefix '/' would take every request out of the order."
                    + " Give the probe its own path (like /healthz) or another port");
        }
        try {
            paths.add(Values.path(path));
        } catch (IllegalArgumentException e) {
            throw new Refusal(where + ", which cannot be a pass-through prefix: " + e.getMessage());
        }
    }

    /** The number behind a probe's port: an int, a numeric string, or the name of one of the container's ports. */
    static Integer resolve(Container c, IntOrString port) {
        if (port == null) {
            return null;
        }
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        String name = port.getStrVal();
        if (name == null) {
            return null;
        }
        if (name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
            return Integer.parseInt(name);
        }
        for (ContainerPort p : c.getPorts()) {
            if (name.equals(p.getName())) {
                return p.getContainerPort();
            }
        }
        return null;
    }
}
