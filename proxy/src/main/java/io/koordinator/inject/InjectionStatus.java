package io.koordinator.inject;

import static io.koordinator.inject.InjectConfigKeys.INIT_CONTAINER_NAME;
import static io.koordinator.inject.InjectConfigKeys.PROXY_CONTAINER_NAME;

import java.util.List;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The value of the {@code koordinator.io/status} annotation: what the injector added, so a second admission of
 * the same pod (a re-invocation, a re-submitted manifest) changes nothing, and so people and tools can see it.
 *
 * <pre>{"version":"0.1.0","mode":"native-sidecar","initContainers":["koordinator-init","koordinator-proxy"],"containers":[],"volumes":["koordinator-state"]}</pre>
 *
 * @param version version of the injector that wrote it
 * @param mode {@code native-sidecar} or {@code container}
 * @param initContainers names of the init containers added
 * @param containers names of the regular containers added
 * @param volumes names of the volumes added
 */
record InjectionStatus(
        String version, String mode, List<String> initContainers, List<String> containers, List<String> volumes) {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    static InjectionStatus of(String version, boolean nativeSidecars, List<String> volumes) {
        return nativeSidecars
                ? new InjectionStatus(
                        version,
                        "native-sidecar",
                        List.of(INIT_CONTAINER_NAME, PROXY_CONTAINER_NAME),
                        List.of(),
                        volumes)
                : new InjectionStatus(
                        version, "container", List.of(INIT_CONTAINER_NAME), List.of(PROXY_CONTAINER_NAME), volumes);
    }

    String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", version);
        n.put("mode", mode);
        initContainers.forEach(n.putArray("initContainers")::add);
        var c = n.putArray("containers");
        containers.forEach(c::add);
        var v = n.putArray("volumes");
        volumes.forEach(v::add);
        return JSON.writeValueAsString(n);
    }
}
