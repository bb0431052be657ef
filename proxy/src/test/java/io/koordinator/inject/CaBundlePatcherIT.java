package io.koordinator.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The caBundle patch against Fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true, kubernetesClientBuilderCustomizer = CaBundlePatcherIT.PatientClient.class)
class CaBundlePatcherIT {

    /** Generous timeouts: a busy 2-core machine must not turn a slow answer into a retried create. */
    public static final class PatientClient implements Consumer<KubernetesClientBuilder> {
        @Override
        public void accept(KubernetesClientBuilder builder) {
            builder.editOrNewConfig()
                    .withRequestTimeout(60_000)
                    .withConnectionTimeout(30_000)
                    .endConfig();
        }
    }

    private static final String NAME = "koordinator-injector";

    KubernetesMockServer server;
    KubernetesClient client;

    private final TlsMaterial tls = SelfSignedCertificates.generate(List.of("127.0.0.1"));

    @BeforeEach
    void createWebhookConfiguration() {
        client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .resource(new MutatingWebhookConfigurationBuilder()
                        .withNewMetadata()
                        .withName(NAME)
                        .endMetadata()
                        .addNewWebhook()
                        .withName("inject.koordinator.io")
                        .withNewClientConfig()
                        .withNewService()
                        .withName("koordinator-injector")
                        .withNamespace("koordinator-system")
                        .withPath("/mutate")
                        .endService()
                        .endClientConfig()
                        .endWebhook()
                        .addNewWebhook()
                        .withName("inject-legacy.koordinator.io")
                        .withNewClientConfig()
                        .withCaBundle("c3RhbGU=")
                        .withUrl("https://injector.example:9443/mutate")
                        .endClientConfig()
                        .endWebhook()
                        .build())
                // a create retried after a lost answer finds the object there: fine
                .createOr(NonDeletingOperation::update);
    }

    @Test
    void writesTheCaIntoEveryWebhookOnceAndOnlyWithGetAndPatch() throws Exception {
        String caPem = TlsMaterial.pem(tls.ca());
        CaBundlePatcher patcher = new CaBundlePatcher(client, NAME, caPem);
        int before = server.getRequestCount();

        // when it runs twice
        CaBundlePatcher.Result first = patcher.patchOnce();
        CaBundlePatcher.Result second = patcher.patchOnce();
        int after = server.getRequestCount();

        // then the first patched every webhook with base64(PEM), the second found nothing to do
        assertThat(first).isEqualTo(CaBundlePatcher.Result.PATCHED);
        assertThat(second).isEqualTo(CaBundlePatcher.Result.UNCHANGED);
        MutatingWebhookConfiguration stored = get();
        assertThat(stored.getWebhooks())
                .hasSize(2)
                .allSatisfy(w -> assertThat(new String(
                                Base64.getDecoder().decode(w.getClientConfig().getCaBundle()), StandardCharsets.UTF_8))
                        .isEqualTo(caPem)
                        .startsWith("-----BEGIN CERTIFICATE-----"));
        // the rest of the object is untouched
        assertThat(stored.getWebhooks().get(0).getClientConfig().getService().getPath())
                .isEqualTo("/mutate");
        assertThat(stored.getWebhooks().get(1).getClientConfig().getUrl())
                .isEqualTo("https://injector.example:9443/mutate");

        // and it used only GET and PATCH (the RBAC in docs/inject.md), one PATCH in all
        List<String> ours = new ArrayList<>();
        for (int i = 0; i < after; i++) {
            RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
            if (i >= before) {
                ours.add(r.getMethod() + " " + r.getPath());
            }
        }
        assertThat(ours)
                .hasSize(after - before)
                .allMatch(m -> m.startsWith("GET ") || m.startsWith("PATCH "))
                .allMatch(m -> m.endsWith("/mutatingwebhookconfigurations/" + NAME));
        assertThat(ours).filteredOn(m -> m.startsWith("PATCH ")).hasSize(1);
    }

    @Test
    void repairsACaBundleThatWasOverwritten() {
        CaBundlePatcher patcher = new CaBundlePatcher(client, NAME, TlsMaterial.pem(tls.ca()));
        patcher.patchOnce();
        // someone re-applies the manifest without caBundle
        client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName(NAME)
                .edit(m -> {
                    m.getWebhooks().get(0).getClientConfig().setCaBundle(null);
                    return m;
                });

        assertThat(patcher.patchOnce()).isEqualTo(CaBundlePatcher.Result.PATCHED);
        assertThat(get().getWebhooks())
                .extracting(w -> w.getClientConfig().getCaBundle())
                .containsOnly(patcher.caBundle());
    }

    @Test
    void missingConfigurationIsAnError() {
        CaBundlePatcher patcher = new CaBundlePatcher(client, "no-such-webhook", TlsMaterial.pem(tls.ca()));
        assertThatThrownBy(patcher::patchOnce)
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("MutatingWebhookConfiguration no-such-webhook does not exist");
    }

    @Test
    void injectorWithPatchWebhookPatchesAtStartAndRepairsLater() throws Exception {
        // given the injector in self-signed mode, naming the webhook configuration
        InjectOptions options = new InjectOptions(
                "127.0.0.1",
                0,
                null,
                null,
                false,
                List.of("127.0.0.1"),
                NAME,
                null,
                4 << 20,
                Duration.ofMillis(200),
                Duration.ofSeconds(30),
                Duration.ofHours(1));
        try (Injector injector = new Injector(options, () -> client, "test")) {
            // when it starts
            injector.start();

            // then every webhook trusts its generated CA
            String expected = Base64.getEncoder()
                    .encodeToString(TlsMaterial.pem(injector.tls().ca()).getBytes(StandardCharsets.UTF_8));
            assertThat(get().getWebhooks())
                    .extracting(w -> w.getClientConfig().getCaBundle())
                    .containsOnly(expected);

            // and when the caBundle is wiped, the periodic check writes it again
            client.admissionRegistration()
                    .v1()
                    .mutatingWebhookConfigurations()
                    .withName(NAME)
                    .edit(m -> {
                        for (MutatingWebhook w : m.getWebhooks()) {
                            w.getClientConfig().setCaBundle(null);
                        }
                        return m;
                    });
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(get().getWebhooks())
                            .extracting(w -> w.getClientConfig().getCaBundle())
                            .containsOnly(expected));
        }
    }

    private MutatingWebhookConfiguration get() {
        return client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName(NAME)
                .get();
    }
}
