package io.koordinator.inject;

import static io.koordinator.inject.InjectConfigKeys.ISTIO_INIT;
import static io.koordinator.inject.InjectConfigKeys.ISTIO_PROXY;
import static io.koordinator.inject.InjectConfigKeys.ISTIO_STATUS_ANNOTATION;
import static io.koordinator.inject.InjectConfigKeys.POD_SECURITY_ENFORCE_LABEL;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the pod's surroundings rule out, before any annotation is read:
 *
 * <ul>
 *   <li>an Istio sidecar in the pod: both would capture the same inbound connections, and ours, placed first,
 *       would take mTLS traffic away from Envoy and bypass Istio's policies. Until Koordinator can sit behind
 *       Envoy, such pods are refused (docs/kubernetes.md, "Istio");
 *   <li>a namespace whose Pod Security Admission level ({@value InjectConfigKeys#POD_SECURITY_ENFORCE_LABEL}) is
 *       {@code baseline} or {@code restricted}: both forbid the NET_ADMIN and NET_RAW capabilities of {@code
 *       koordinator-init}, so the API server would reject the patched pod anyway, with a less helpful message.
 * </ul>
 */
final class Compatibility {

    private static final Set<String> RESTRICTIVE_LEVELS = Set.of("baseline", "restricted");

    private Compatibility() {}

    /** Why the pod cannot be injected where it is, or null. */
    static String refusal(Pod pod, Map<String, String> namespaceLabels) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        boolean istio = (annotations != null && annotations.containsKey(ISTIO_STATUS_ANNOTATION))
                || Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                        .anyMatch(c -> ISTIO_PROXY.equals(c.getName()) || ISTIO_INIT.equals(c.getName()));
        if (istio) {
            return "the pod has an Istio sidecar (" + ISTIO_STATUS_ANNOTATION + " or a container " + ISTIO_PROXY
                    + "); Koordinator cannot share a pod with Istio yet: its inbound capture would take traffic away"
                    + " from Envoy (mTLS, authorization policies). Turn off one of the two for this workload"
                    + " (label sidecar.istio.io/inject=false or koordinator.io/inject=false)";
        }
        String level = namespaceLabels.get(POD_SECURITY_ENFORCE_LABEL);
        if (level != null && RESTRICTIVE_LEVELS.contains(level.trim())) {
            return "the namespace enforces Pod Security level '" + level.trim() + "' (label "
                    + POD_SECURITY_ENFORCE_LABEL + "), which forbids the NET_ADMIN and NET_RAW capabilities that"
                    + " koordinator-init needs to capture the app port; label the namespace "
                    + POD_SECURITY_ENFORCE_LABEL + "=privileged, or label the pod koordinator.io/inject=false";
        }
        return null;
    }
}
