package io.koordinator.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** The objects {@code kubectl kustomize manifests/} renders, typed by Fabric8, with look-ups by kind and name. */
final class RenderedManifests {

    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

    final List<HasMetadata> objects;

    private RenderedManifests(List<HasMetadata> objects) {
        this.objects = List.copyOf(objects);
    }

    /** Runs {@code kubectl kustomize dir} and parses every document; fails on any kubectl error. */
    static RenderedManifests render(Path dir) throws IOException, InterruptedException {
        File stderr = File.createTempFile("kustomize", ".err");
        try {
            Process kubectl = new ProcessBuilder("kubectl", "kustomize", dir.toString())
                    .redirectError(stderr)
                    .start();
            String yaml = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(kubectl.waitFor(120, TimeUnit.SECONDS))
                    .as("kubectl kustomize finishes")
                    .isTrue();
            assertThat(kubectl.exitValue())
                    .as("kubectl kustomize %s: %s", dir, Files.readString(stderr.toPath()))
                    .isZero();
            return parse(yaml);
        } finally {
            Files.deleteIfExists(stderr.toPath());
        }
    }

    static RenderedManifests parse(String yaml) {
        KubernetesSerialization serialization = new KubernetesSerialization();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : DOCUMENT_SEPARATOR.split(yaml)) {
            if (document.isBlank()) {
                continue;
            }
            Object parsed = serialization.unmarshal(document);
            assertThat(parsed).as("a typed Kubernetes object:%n%s", document).isInstanceOf(HasMetadata.class);
            objects.add((HasMetadata) parsed);
        }
        return new RenderedManifests(objects);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String namespace, String name) {
        return all(type).stream()
                .filter(o -> name.equals(o.getMetadata().getName()))
                .filter(o ->
                        namespace == null || namespace.equals(o.getMetadata().getNamespace()))
                .findFirst();
    }

    <T extends HasMetadata> T get(Class<T> type, String namespace, String name) {
        return find(type, namespace, name)
                .orElseThrow(() -> new AssertionError(
                        "no " + type.getSimpleName() + " " + namespace + "/" + name + " in the rendered manifests"));
    }
}
