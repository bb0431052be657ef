package io.koordinator.inject;

import static io.koordinator.inject.InjectConfigKeys.ADMIN_PORT;
import static io.koordinator.inject.InjectConfigKeys.APP_HEALTH_PREFIX;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GRPCAction;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPGetActionBuilder;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rewrites the app's probes that target the app port, the way Istio's probe rewrite does ({@code
 * ISTIO_KUBE_APP_PROBERS}): the kubelet then calls the proxy's admin port on {@code
 * /app-health/<container>/livez|readyz|startupz}, and the proxy runs the original probe against the app on
 * loopback. Without this, a captured probe would reach the proxy's plain-HTTP listener: an HTTPS handshake or a
 * gRPC call would fail there, and a {@code tcpSocket} probe would check the proxy instead of the app.
 *
 * <p>Rewritten: {@code httpGet} (any scheme, headers), {@code grpc} and {@code tcpSocket} probes whose port
 * (number or the container's named port) is the app port and that set no {@code host}. Every other field of the
 * probe (period, thresholds, timeout) stays. {@code exec} probes and probes of other ports are not captured and
 * stay as they are. The originals, keyed by admin path, become the JSON of {@code KOORD_APP_PROBERS}: {@code
 * {"/app-health/web/livez":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTPS","httpHeaders":[...]},
 * "timeoutSeconds":1}}}, with ports resolved to numbers.
 */
final class ProbeRewrite {

    private ProbeRewrite() {}

    /** Rewrites the probes of {@code spec} in place and returns the originals by admin path (empty: none). */
    static ObjectNode rewrite(PodSpec spec, int appPort) {
        ObjectNode probers = Serialization.jsonMapper().createObjectNode();
        for (Container c : probed(spec)) {
            one(probers, c, "livez", c.getLivenessProbe(), appPort, c::setLivenessProbe);
            one(probers, c, "readyz", c.getReadinessProbe(), appPort, c::setReadinessProbe);
            one(probers, c, "startupz", c.getStartupProbe(), appPort, c::setStartupProbe);
        }
        return probers;
    }

    /** The app's containers and the user's own native sidecars, which the kubelet probes while the pod runs. */
    static List<Container> probed(PodSpec spec) {
        List<Container> all = new ArrayList<>(spec.getContainers());
        spec.getInitContainers().stream()
                .filter(c -> "Always".equals(c.getRestartPolicy()))
                .forEach(all::add);
        return all;
    }

    private static void one(
            ObjectNode probers, Container c, String kind, Probe probe, int appPort, Consumer<Probe> set) {
        if (probe == null) {
            return;
        }
        ObjectNode original = original(c, probe, appPort);
        if (original == null) {
            return;
        }
        String path = APP_HEALTH_PREFIX + c.getName() + "/" + kind;
        original.put("timeoutSeconds", probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds());
        probers.set(path, original);
        set.accept(new ProbeBuilder(probe)
                .withGrpc(null)
                .withTcpSocket(null)
                .withHttpGet(new HTTPGetActionBuilder()
                        .withPath(path)
                        .withPort(new IntOrString(ADMIN_PORT))
                        .withScheme("HTTP")
                        .build())
                .build());
    }

    /** The probe as the proxy runs it, or null if it is not one to rewrite. */
    private static ObjectNode original(Container c, Probe probe, int appPort) {
        ObjectNode node = Serialization.jsonMapper().createObjectNode();
        if (probe.getHttpGet() != null) {
            HTTPGetAction get = probe.getHttpGet();
            if (!targets(c, get.getPort(), get.getHost(), appPort)) {
                return null;
            }
            ObjectNode h = node.putObject("httpGet");
            h.put("path", get.getPath() == null || get.getPath().isEmpty() ? "/" : get.getPath());
            h.put("port", appPort);
            h.put("scheme", get.getScheme() == null ? "HTTP" : get.getScheme());
            if (get.getHttpHeaders() != null && !get.getHttpHeaders().isEmpty()) {
                var headers = h.putArray("httpHeaders");
                for (HTTPHeader header : get.getHttpHeaders()) {
                    headers.addObject().put("name", header.getName()).put("value", header.getValue());
                }
            }
            return node;
        }
        if (probe.getTcpSocket() != null) {
            TCPSocketAction tcp = probe.getTcpSocket();
            if (!targets(c, tcp.getPort(), tcp.getHost(), appPort)) {
                return null;
            }
            node.putObject("tcpSocket").put("port", appPort);
            return node;
        }
        if (probe.getGrpc() != null) {
            GRPCAction grpc = probe.getGrpc();
            if (grpc.getPort() == null || grpc.getPort() != appPort) {
                return null;
            }
            node.putObject("grpc")
                    .put("port", appPort)
                    .put("service", grpc.getService() == null ? "" : grpc.getService());
            return node;
        }
        return null;
    }

    private static boolean targets(Container c, IntOrString port, String host, int appPort) {
        Integer resolved = ProbePaths.resolve(c, port);
        return resolved != null && resolved == appPort && (host == null || host.isEmpty());
    }
}
