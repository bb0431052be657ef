package io.koordinator.inject;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes our CA into {@code webhooks[*].clientConfig.caBundle} of one MutatingWebhookConfiguration, so the
 * API server trusts the self-signed serving certificate. Needs only {@code get} and {@code patch} on that
 * object: it reads it, and when some webhook's caBundle differs it sends a JSON Patch (Fabric8's
 * {@code edit}, which diffs the edited copy against what it read).
 *
 * <p>Threading: {@link #patchOnce()} is called from one thread at a time (start-up, then one scheduler).
 */
public final class CaBundlePatcher {

    private static final Logger log = LoggerFactory.getLogger(CaBundlePatcher.class);

    /** What one attempt did. */
    public enum Result {
        PATCHED,
        UNCHANGED
    }

    private final KubernetesClient client;
    private final String name;
    private final String caBundle;

    /**
     * @param client a client with get/patch rights on the object
     * @param name the MutatingWebhookConfiguration's name
     * @param caPem the CA certificate in PEM; the API wants it base64-encoded, which this class does
     */
    public CaBundlePatcher(KubernetesClient client, String name, String caPem) {
        this.client = Objects.requireNonNull(client, "client");
        this.name = Objects.requireNonNull(name, "name");
        this.caBundle = Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8));
    }

    /** The value written into every caBundle (base64 of the PEM). */
    public String caBundle() {
        return caBundle;
    }

    /**
     * One attempt: reads the object and patches it if some webhook lacks our CA.
     *
     * @throws KubernetesClientException on API errors, including a missing object (404) or no rights (403)
     */
    public Result patchOnce() {
        Resource<MutatingWebhookConfiguration> resource = client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName(name);
        MutatingWebhookConfiguration current = resource.get();
        if (current == null) {
            throw new KubernetesClientException("MutatingWebhookConfiguration " + name + " does not exist", 404, null);
        }
        if (current.getWebhooks().isEmpty()) {
            throw new KubernetesClientException("MutatingWebhookConfiguration " + name + " has no webhooks", 422, null);
        }
        boolean upToDate = current.getWebhooks().stream()
                .allMatch(w -> w.getClientConfig() != null
                        && caBundle.equals(w.getClientConfig().getCaBundle()));
        if (upToDate) {
            return Result.UNCHANGED;
        }
        resource.edit(mwc -> {
            for (MutatingWebhook w : mwc.getWebhooks()) {
                if (w.getClientConfig() == null) {
                    w.setClientConfig(
                            new io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig());
                }
                w.getClientConfig().setCaBundle(caBundle);
            }
            return mwc;
        });
        log.info(
                "injector: wrote the CA into {} webhook(s) of MutatingWebhookConfiguration {}",
                current.getWebhooks().size(),
                name);
        return Result.PATCHED;
    }
}
