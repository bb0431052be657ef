package io.koordinator.inject;

import static io.koordinator.inject.InjectConfigKeys.APP_PORT;
import static io.koordinator.inject.InjectConfigKeys.DEFAULT_CONTAINER_ANNOTATION;
import static io.koordinator.inject.InjectConfigKeys.PROXY_CONTAINER_NAME;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which port of the pod is the app's: the one the init container captures and the proxy delivers to. In order:
 *
 * <ol>
 *   <li>the annotation {@code koordinator.io/app-port}: a number, or the name of a container port; a port declared
 *       only as UDP or SCTP is refused (only TCP is captured);
 *   <li>the first TCP port of the container named by {@code kubectl.kubernetes.io/default-container};
 *   <li>the first TCP port of the first container that is not a known sidecar ({@value InjectConfigKeys#ISTIO_PROXY},
 *       {@code linkerd-proxy}, ours) and declares a TCP port. When that container is not the pod's first one (a
 *       sidecar was put before it) and another such container exists too, nothing says which is the app: refused,
 *       naming the annotation.
 * </ol>
 *
 * @param port the app port
 * @param source where it came from, for messages ("annotation koordinator.io/app-port")
 */
record AppPort(int port, String source) {

    /** Containers that are somebody's proxy, never the app. */
    static final Set<String> KNOWN_SIDECARS =
            Set.of(InjectConfigKeys.ISTIO_PROXY, "linkerd-proxy", PROXY_CONTAINER_NAME);

    static AppPort choose(PodSpec spec, Map<String, String> annotations) {
        String text = annotations.get(APP_PORT);
        if (text != null) {
            return fromAnnotation(spec, text);
        }
        String named = annotations.get(DEFAULT_CONTAINER_ANNOTATION);
        if (named != null && !named.isBlank()) {
            String source =
                    "the first TCP port of container '" + named + "' (annotation " + DEFAULT_CONTAINER_ANNOTATION + ")";
            Container c = spec.getContainers().stream()
                    .filter(x -> named.equals(x.getName()))
                    .findFirst()
                    .orElseThrow(() -> new Refusal("annotation " + DEFAULT_CONTAINER_ANNOTATION + " names '" + named
                            + "', which is not a container of the pod; fix it or set the annotation " + APP_PORT));
            return new AppPort(
                    firstTcpPort(c)
                            .orElseThrow(() -> new Refusal("cannot tell the app port: container '" + named
                                    + "' (annotation " + DEFAULT_CONTAINER_ANNOTATION
                                    + ") declares no TCP containerPort; set the annotation " + APP_PORT)),
                    source);
        }
        List<Container> candidates = spec.getContainers().stream()
                .filter(c -> !KNOWN_SIDECARS.contains(c.getName()))
                .filter(c -> firstTcpPort(c).isPresent())
                .toList();
        if (candidates.isEmpty()) {
            throw new Refusal("cannot tell the app port: no container other than a known sidecar declares a TCP"
                    + " containerPort; set the annotation " + APP_PORT);
        }
        Container first = candidates.get(0);
        if (candidates.size() > 1 && first != spec.getContainers().get(0)) {
            throw new Refusal("cannot tell the app port: container '"
                    + spec.getContainers().get(0).getName() + "' comes first, and "
                    + candidates.stream().map(c -> "'" + c.getName() + "'").collect(Collectors.joining(" and "))
                    + " both declare TCP ports; set the annotation " + APP_PORT + " (or "
                    + DEFAULT_CONTAINER_ANNOTATION + ")");
        }
        return new AppPort(
                firstTcpPort(first).orElseThrow(), "the first TCP port of container '" + first.getName() + "'");
    }

    private static AppPort fromAnnotation(PodSpec spec, String text) {
        String source = "annotation " + APP_PORT;
        String t = text.trim();
        List<ContainerPort> declared = spec.getContainers().stream()
                .flatMap(c -> c.getPorts().stream())
                .toList();
        if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
            int port;
            try {
                port = Values.port(t);
            } catch (IllegalArgumentException e) {
                throw Refusal.annotation(APP_PORT, e);
            }
            List<ContainerPort> same = declared.stream()
                    .filter(p -> p.getContainerPort() != null && p.getContainerPort() == port)
                    .toList();
            if (!same.isEmpty() && same.stream().noneMatch(AppPort::isTcp)) {
                throw new Refusal(source + ": port " + port + " is declared as "
                        + same.get(0).getProtocol() + "; only a TCP port can be captured and ordered");
            }
            return new AppPort(port, source);
        }
        ContainerPort p = declared.stream()
                .filter(x -> t.equals(x.getName()))
                .findFirst()
                .orElseThrow(() -> new Refusal(
                        source + ": '" + text + "' is neither a port number nor the name of a container port"));
        if (!isTcp(p)) {
            throw new Refusal(source + ": port '" + t + "' (" + p.getContainerPort() + ") is " + p.getProtocol()
                    + "; only a TCP port can be captured and ordered");
        }
        return new AppPort(p.getContainerPort(), source);
    }

    private static Optional<Integer> firstTcpPort(Container c) {
        return c.getPorts().stream()
                .filter(AppPort::isTcp)
                .map(ContainerPort::getContainerPort)
                .findFirst();
    }

    private static boolean isTcp(ContainerPort p) {
        return p.getProtocol() == null || "TCP".equals(p.getProtocol());
    }
}
