package io.koordinator.inject;

import static io.koordinator.inject.InjectConfigKeys.INIT_CONTAINER_NAME;
import static io.koordinator.inject.InjectConfigKeys.INJECT_LABEL;
import static io.koordinator.inject.InjectConfigKeys.PROXY_CONTAINER_NAME;
import static io.koordinator.inject.InjectConfigKeys.STATE_VOLUME;
import static io.koordinator.inject.InjectConfigKeys.STATE_VOLUME_NAME;
import static io.koordinator.inject.InjectConfigKeys.STATUS_ANNOTATION;
import static io.koordinator.inject.InjectConfigKeys.ZK_CREDENTIALS_VOLUME_NAME;
import static io.koordinator.inject.InjectConfigKeys.ZK_TLS_VOLUME_NAME;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonDiff;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Answers one AdmissionReview ({@code admission.k8s.io/v1}): the pure part of the webhook, with no I/O, so
 * tests feed it fixtures directly. The patch is a JSON Patch (RFC 6902) made by diffing the mutated clone of
 * the pod against the original, both written by the same Fabric8 model, so it holds only our changes.
 *
 * <table>
 *   <caption>Answers</caption>
 *   <tr><th>request</th><th>answer</th></tr>
 *   <tr><td>not JSON, not an AdmissionReview v1, no request or uid</td><td>HTTP 400 {@code {"error","detail"}}</td></tr>
 *   <tr><td>not a Pod, not a CREATE, a subresource</td><td>allowed, no patch</td></tr>
 *   <tr><td>hostNetwork, label {@code koordinator.io/inject: "false"}, already injected</td><td>allowed, no patch</td></tr>
 *   <tr><td>a pod the API server would reject ({@link PodRules}: no containers, a null element, a duplicate
 *       name...), a container or volume named like ours</td><td>allowed: false, status 400 and the reason</td></tr>
 *   <tr><td>invalid annotation, no group, no app port</td><td>allowed: false, status 400 and a message naming the key</td></tr>
 *   <tr><td>an unexpected exception</td><td>allowed: false, status 400 naming it (outcome {@code failed})</td></tr>
 *   <tr><td>otherwise</td><td>allowed, patchType JSONPatch, base64 patch</td></tr>
 * </table>
 *
 * <p>Thread-safe: stateless after construction.
 */
public final class AdmissionHandler {

    static final String API_VERSION = "admission.k8s.io/v1";

    private static final Logger log = LoggerFactory.getLogger(AdmissionHandler.class);

    private final ObjectMapper json = Serialization.jsonMapper();
    private final InjectorConfig config;
    private final PodSettingsResolver resolver;
    private final PodMutator mutator;
    private final NamespaceLabels namespaces;

    public AdmissionHandler(InjectorConfig config, String version) {
        this(config, version, NamespaceLabels.NONE);
    }

    AdmissionHandler(InjectorConfig config, String version, NamespaceLabels namespaces) {
        this.config = config;
        this.namespaces = namespaces;
        this.resolver = new PodSettingsResolver(config);
        this.mutator = new PodMutator(config, version);
    }

    public InjectorConfig config() {
        return config;
    }

    /**
     * Answers one sample review, so that the first real one does not pay for loading and initializing the
     * Kubernetes model and JSON machinery (seconds on a busy node, against the API server's webhook timeout).
     *
     * @return the sample's outcome, INJECTED unless the config is broken
     */
    public AdmissionResult.Outcome warmUp() {
        String review = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
                + "\"uid\":\"warm-up\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                + "\"operation\":\"CREATE\",\"namespace\":\"default\",\"object\":{\"apiVersion\":\"v1\","
                + "\"kind\":\"Pod\",\"metadata\":{\"name\":\"warm-up\",\"labels\":{\"app\":\"warm-up\"}},"
                + "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"app\",\"ports\":[{\"containerPort\":8080}],"
                + "\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":8080}}}]}}}}";
        return handle(review.getBytes(StandardCharsets.UTF_8)).outcome();
    }

    public AdmissionResult handle(byte[] body) {
        JsonNode review;
        try {
            review = json.readTree(body);
        } catch (JacksonException e) {
            return malformed("request body is not JSON", e.getOriginalMessage());
        }
        if (review == null || !review.isObject()) {
            return malformed("request body is not a JSON object", "expected an AdmissionReview");
        }
        String apiVersion = review.path("apiVersion").asString("");
        String kind = review.path("kind").asString("");
        if (!API_VERSION.equals(apiVersion) || !"AdmissionReview".equals(kind)) {
            return malformed(
                    "not an AdmissionReview " + API_VERSION,
                    "got apiVersion '" + apiVersion + "', kind '" + kind
                            + "'; set admissionReviewVersions: [v1] on the webhook");
        }
        JsonNode request = review.get("request");
        if (request == null || !request.isObject()) {
            return malformed("AdmissionReview has no request", "the field request is missing or not an object");
        }
        String uid = request.path("uid").asString("");
        if (uid.isBlank()) {
            return malformed("AdmissionReview request has no uid", "request.uid is missing or empty");
        }
        AdmissionResult result;
        try {
            result = decide(uid, request);
        } catch (RuntimeException e) {
            // A shape nobody foresaw must still get an answer: the API server shows this reason instead of an EOF.
            log.warn("injector: admission {} failed", uid, e);
            result = refused(uid, "internal error while injecting the pod (" + e + "); please report it")
                    .withOutcome(AdmissionResult.Outcome.FAILED);
        }
        return result.withDetail(subject(request) + ": " + result.detail());
    }

    /** {@code namespace/name} of the object, or {@code namespace/generateName*} before it has a name. */
    private static String subject(JsonNode request) {
        JsonNode meta = request.path("object").path("metadata");
        String name = request.path("name").asString(meta.path("name").asString(""));
        if (name.isEmpty()) {
            name = meta.path("generateName").asString("") + "*";
        }
        return request.path("namespace").asString(meta.path("namespace").asString("")) + "/" + name;
    }

    private AdmissionResult decide(String uid, JsonNode request) {
        JsonNode kind = request.path("kind");
        if (!"Pod".equals(kind.path("kind").asString(""))
                || !kind.path("group").asString("").isEmpty()) {
            return allowed(uid, AdmissionResult.Outcome.IGNORED, "not a pod: " + kind);
        }
        String operation = request.path("operation").asString("");
        if (!"CREATE".equals(operation)) {
            return allowed(uid, AdmissionResult.Outcome.SKIPPED, "operation " + operation);
        }
        if (!request.path("subResource").asString("").isEmpty()) {
            return allowed(uid, AdmissionResult.Outcome.SKIPPED, "subresource " + request.get("subResource"));
        }
        JsonNode object = request.get("object");
        Pod original;
        try {
            if (object == null || !object.isObject()) {
                throw new IllegalArgumentException("request.object is missing");
            }
            original = json.treeToValue(object, Pod.class);
            if (original.getMetadata() == null || original.getSpec() == null) {
                throw new IllegalArgumentException("the pod has no metadata or no spec");
            }
        } catch (JacksonException | IllegalArgumentException e) {
            String why = e instanceof JacksonException je ? je.getOriginalMessage() : e.getMessage();
            return refused(uid, "cannot read the pod: " + why);
        }
        PodRules.normalize(original.getSpec());
        String invalid = PodRules.violation(original.getSpec());
        if (invalid != null) {
            return refused(uid, "the pod is invalid, the API server would reject it: " + invalid);
        }
        String skip = skipReason(original);
        if (skip != null) {
            return allowed(uid, AdmissionResult.Outcome.SKIPPED, skip);
        }
        // Before the already-injected check: Istio's webhook may run after ours, and ours is then re-invoked.
        String incompatible = Compatibility.refusal(
                original, namespaces.of(request.path("namespace").asString("")));
        if (incompatible != null) {
            return refused(uid, incompatible);
        }
        Map<String, String> annotations = original.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey(STATUS_ANNOTATION)) {
            return allowed(uid, AdmissionResult.Outcome.SKIPPED, "already injected (" + STATUS_ANNOTATION + " is set)");
        }
        String collision = nameCollision(original);
        if (collision != null) {
            return refused(uid, collision);
        }
        // Two steps, two diffs: the probes are changed in place first, then containers are added. One diff of
        // both would match the changed app container against the added proxy and "replace" field by field.
        Pod rewritten = json.treeToValue(json.valueToTree(original), Pod.class);
        Pod mutated;
        PodSettings settings;
        try {
            settings = resolver.resolve(rewritten);
            String probers = mutator.rewriteProbes(rewritten, settings);
            mutated = json.treeToValue(json.valueToTree(rewritten), Pod.class);
            mutator.mutate(mutated, settings, probers);
        } catch (Refusal r) {
            return refused(uid, r.getMessage());
        }
        JsonNode first = json.valueToTree(rewritten);
        ArrayNode patch = (ArrayNode) JsonDiff.asJson(json.valueToTree(original), first);
        patch.addAll((ArrayNode) JsonDiff.asJson(first, json.valueToTree(mutated)));
        if (patch.isEmpty()) {
            return allowed(uid, AdmissionResult.Outcome.SKIPPED, "nothing to change");
        }
        AdmissionResponse response = new AdmissionResponseBuilder()
                .withUid(uid)
                .withAllowed(true)
                .withPatchType("JSONPatch")
                .withPatch(Base64.getEncoder().encodeToString(json.writeValueAsBytes(patch)))
                .build();
        return review(
                response,
                AdmissionResult.Outcome.INJECTED,
                "group " + settings.group() + ", app port " + settings.appPort());
    }

    /** Why the pod is left alone, or null to inject it. */
    private static String skipReason(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels != null && "false".equalsIgnoreCase(labels.get(INJECT_LABEL))) {
            return "label " + INJECT_LABEL + "=false";
        }
        if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            return "hostNetwork: true (capturing the node's traffic is out of the question)";
        }
        return null;
    }

    /** A refusal message if the pod (not injected yet) already uses a container or volume name the injector adds. */
    private static String nameCollision(Pod pod) {
        return Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .map(c -> c.getName())
                .filter(n -> INIT_CONTAINER_NAME.equals(n) || PROXY_CONTAINER_NAME.equals(n))
                .findFirst()
                .map(n -> "the pod already has a container named '" + n + "', a name the injector adds, and no "
                        + STATUS_ANNOTATION + " annotation: rename that container, or label the pod " + INJECT_LABEL
                        + "=false if it brings its own proxy")
                .or(() -> pod.getSpec().getVolumes().stream()
                        .filter(v -> STATE_VOLUME_NAME.equals(v.getName()))
                        .findFirst()
                        .map(v -> "the pod already has a volume named '" + STATE_VOLUME_NAME + "', a name the"
                                + " injector adds, and no " + STATUS_ANNOTATION + " annotation: rename that volume (and"
                                + " name it in the annotation " + STATE_VOLUME + " to keep the proxy's state on it)"))
                .or(() -> pod.getSpec().getVolumes().stream()
                        .filter(v -> ZK_CREDENTIALS_VOLUME_NAME.equals(v.getName())
                                || ZK_TLS_VOLUME_NAME.equals(v.getName()))
                        .findFirst()
                        .map(v -> "the pod already has a volume named '" + v.getName() + "', a name the"
                                + " injector adds, and no " + STATUS_ANNOTATION + " annotation: rename that volume"))
                .orElse(null);
    }

    private AdmissionResult allowed(String uid, AdmissionResult.Outcome outcome, String detail) {
        return review(
                new AdmissionResponseBuilder().withUid(uid).withAllowed(true).build(), outcome, detail);
    }

    private AdmissionResult refused(String uid, String message) {
        AdmissionResponse response = new AdmissionResponseBuilder()
                .withUid(uid)
                .withAllowed(false)
                .withStatus(new StatusBuilder()
                        .withCode(400)
                        .withReason("BadRequest")
                        .withMessage("koordinator: " + message)
                        .build())
                .build();
        return review(response, AdmissionResult.Outcome.REFUSED, message);
    }

    private AdmissionResult review(AdmissionResponse response, AdmissionResult.Outcome outcome, String detail) {
        AdmissionReview out = new AdmissionReviewBuilder()
                .withApiVersion(API_VERSION)
                .withKind("AdmissionReview")
                .withResponse(response)
                .build();
        return new AdmissionResult(200, json.writeValueAsBytes(out), outcome, detail);
    }

    private AdmissionResult malformed(String error, String detail) {
        return error(400, AdmissionResult.Outcome.MALFORMED, error, detail);
    }

    /** An HTTP error with the project's error body {@code {"error": ..., "detail": ...}}. */
    static AdmissionResult error(int status, AdmissionResult.Outcome outcome, String error, String detail) {
        ObjectNode body = Serialization.jsonMapper().createObjectNode();
        body.put("error", error);
        body.put("detail", detail == null ? "" : detail);
        return new AdmissionResult(
                status, body.toString().getBytes(StandardCharsets.UTF_8), outcome, error + ": " + detail);
    }
}
