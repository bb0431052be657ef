package io.koordinator.inject;

import io.fabric8.kubernetes.api.model.Quantity;
import io.koordinator.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads the injector config file (YAML or JSON; JSON is read as YAML). Every field is optional and falls back
 * to {@link InjectorConfig#defaults()}; an unknown field or a bad value fails with one sentence naming it.
 *
 * <pre>
 * image: koordinator:latest
 * imagePullPolicy: IfNotPresent
 * zookeeper: zookeeper.koordinator-system.svc:2181
 * readPolicy: ordered
 * nativeSidecars: true
 * proxyStartupPath: /live
 * waitTimeout: 60s
 * proxyResources:
 *   requests: {cpu: 100m, memory: 256Mi}
 *   limits: {memory: 512Mi}
 * initResources:
 *   requests: {cpu: 10m, memory: 64Mi}
 *   limits: {memory: 256Mi}
 * transferTokenSecret: koordinator-transfer-token   # optional
 * </pre>
 */
public final class InjectorConfigLoader {

    private static final Set<String> FIELDS = Set.of(
            "image",
            "imagePullPolicy",
            "zookeeper",
            "readPolicy",
            "nativeSidecars",
            "proxyStartupPath",
            "waitTimeout",
            "proxyResources",
            "initResources",
            "transferTokenSecret");

    private InjectorConfigLoader() {}

    /** The defaults when {@code file} is null, else the file over the defaults. */
    public static InjectorConfig load(Path file) {
        if (file == null) {
            return InjectorConfig.defaults();
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--config: cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--config " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses config text; a blank text gives the defaults. */
    public static InjectorConfig parse(String text) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(text);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not YAML or JSON: " + e.getOriginalMessage(), e);
        }
        InjectorConfig d = InjectorConfig.defaults();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return d;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("the top level must be a mapping of fields");
        }
        for (String name : root.propertyNames()) {
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("unknown field '" + name + "' (known: "
                        + FIELDS.stream().sorted().toList() + ")");
            }
        }
        String image = text(root, "image", d.image());
        if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("image: '" + image + "' is not an image reference");
        }
        String pullPolicy = text(root, "imagePullPolicy", d.imagePullPolicy());
        if (!Values.PULL_POLICIES.contains(pullPolicy)) {
            throw new IllegalArgumentException(
                    "imagePullPolicy: '" + pullPolicy + "' is not one of Always, IfNotPresent, Never");
        }
        String zookeeperText = text(root, "zookeeper", d.zookeeper());
        String zookeeper = check("zookeeper", () -> Values.zookeeper(zookeeperText));
        String readPolicyText = text(root, "readPolicy", d.readPolicy());
        String readPolicy = check("readPolicy", () -> Values.readPolicy(readPolicyText));
        boolean nativeSidecars = d.nativeSidecars();
        JsonNode nativeNode = root.get("nativeSidecars");
        if (nativeNode != null && !nativeNode.isNull()) {
            if (!nativeNode.isBoolean()) {
                throw new IllegalArgumentException("nativeSidecars: '" + nativeNode + "' is not true or false");
            }
            nativeSidecars = nativeNode.booleanValue();
        }
        String startupPathText = text(root, "proxyStartupPath", d.proxyStartupPath());
        String startupPath = check("proxyStartupPath", () -> Values.path(startupPathText));
        String waitText = text(root, "waitTimeout", Durations.format(d.waitTimeout()));
        Duration waitTimeout = check("waitTimeout", () -> Durations.parse(waitText));
        InjectorConfig.Resources proxy = resources(root, "proxyResources", d.proxyResources());
        InjectorConfig.Resources init = resources(root, "initResources", d.initResources());
        String secretText = text(root, "transferTokenSecret", null);
        String secret = secretText == null ? null : check("transferTokenSecret", () -> Values.secretName(secretText));
        return new InjectorConfig(
                image,
                pullPolicy,
                zookeeper,
                readPolicy,
                nativeSidecars,
                startupPath,
                waitTimeout,
                proxy,
                init,
                secret);
    }

    private static InjectorConfig.Resources resources(JsonNode root, String key, InjectorConfig.Resources fallback) {
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(key + ": must be a mapping with requests and/or limits");
        }
        for (String name : node.propertyNames()) {
            if (!name.equals("requests") && !name.equals("limits")) {
                throw new IllegalArgumentException(key + ": unknown field '" + name + "' (known: limits, requests)");
            }
        }
        InjectorConfig.Resources r = new InjectorConfig.Resources(
                quantities(node, key + ".requests", "requests", fallback.requests()),
                quantities(node, key + ".limits", "limits", fallback.limits()));
        r.check(key);
        return r;
    }

    private static Map<String, Quantity> quantities(
            JsonNode parent, String key, String field, Map<String, Quantity> fallback) {
        JsonNode node = parent.get(field);
        if (node == null) {
            return fallback;
        }
        Map<String, Quantity> out = new TreeMap<>();
        if (node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(key + ": must be a mapping like {cpu: 100m, memory: 256Mi}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(
                    e.getKey(),
                    check(
                            key + "." + e.getKey(),
                            () -> Values.quantity(e.getValue().asString())));
        }
        return out;
    }

    private static String text(JsonNode root, String key, String fallback) {
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isValueNode()) {
            throw new IllegalArgumentException(key + ": must be a single value");
        }
        return node.asString();
    }

    private static <T> T check(String key, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }
}
