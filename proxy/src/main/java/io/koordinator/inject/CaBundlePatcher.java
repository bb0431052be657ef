package io.koordinator.inject;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds our CA to {@code webhooks[*].clientConfig.caBundle} of one MutatingWebhookConfiguration, so the
 * API server trusts the self-signed serving certificate. Needs only {@code get} and {@code patch} on that
 * object: it reads it, and when some webhook's caBundle lacks our CA it sends a JSON Patch (Fabric8's
 * {@code edit}, which diffs the edited copy against what it read).
 *
 * <p>Several injector replicas that each generate their own CA share the object, so the bundle keeps the
 * other CAs too: ours first, then up to {@value #MAX_OTHER_CAS} others that are still valid; expired
 * certificates and anything that is not a certificate are dropped. Two replicas patching at the same
 * moment may drop each other's CA; each re-adds its own at its next periodic check.
 *
 * <p>Threading: {@link #patchOnce()} is called from one thread at a time (start-up, then one scheduler).
 */
public final class CaBundlePatcher {

    private static final Logger log = LoggerFactory.getLogger(CaBundlePatcher.class);
    /** CAs of other injector replicas (or earlier starts) kept beside ours. */
    static final int MAX_OTHER_CAS = 4;

    private static final Pattern PEM_CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\s]+-----END CERTIFICATE-----");

    /** What one attempt did. */
    public enum Result {
        PATCHED,
        UNCHANGED
    }

    private final KubernetesClient client;
    private final String name;
    private final String caPem;
    private final String caBundle;

    /**
     * @param client a client with get/patch rights on the object
     * @param name the MutatingWebhookConfiguration's name
     * @param caPem the CA certificate in PEM; the API wants it base64-encoded, which this class does
     */
    public CaBundlePatcher(KubernetesClient client, String name, String caPem) {
        this.client = Objects.requireNonNull(client, "client");
        this.name = Objects.requireNonNull(name, "name");
        this.caPem = caPem.strip();
        this.caBundle = base64(this.caPem + "\n");
    }

    /** The caBundle value of a webhook that trusts only our CA (base64 of the PEM). */
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
                        && certificates(w.getClientConfig().getCaBundle()).contains(caPem));
        if (upToDate) {
            return Result.UNCHANGED;
        }
        resource.edit(mwc -> {
            for (MutatingWebhook w : mwc.getWebhooks()) {
                if (w.getClientConfig() == null) {
                    w.setClientConfig(
                            new io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig());
                }
                w.getClientConfig().setCaBundle(merged(w.getClientConfig().getCaBundle()));
            }
            return mwc;
        });
        log.info(
                "injector: wrote the CA into {} webhook(s) of MutatingWebhookConfiguration {}",
                current.getWebhooks().size(),
                name);
        return Result.PATCHED;
    }

    /** Our CA first, then the still-valid other CAs of {@code existing} (a base64 caBundle or null). */
    String merged(String existing) {
        List<String> kept = new ArrayList<>();
        kept.add(caPem);
        Instant now = Instant.now();
        for (String pem : certificates(existing)) {
            if (kept.size() > MAX_OTHER_CAS) {
                break;
            }
            if (!kept.contains(pem) && stillValid(pem, now)) {
                kept.add(pem);
            }
        }
        return base64(String.join("\n", kept) + "\n");
    }

    /** The PEM certificates in a base64 caBundle; empty for null or anything unreadable. */
    private static List<String> certificates(String bundle) {
        List<String> pems = new ArrayList<>();
        if (bundle == null || bundle.isBlank()) {
            return pems;
        }
        String text;
        try {
            text = new String(Base64.getDecoder().decode(bundle.strip()), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            return pems;
        }
        Matcher m = PEM_CERTIFICATE.matcher(text);
        while (m.find()) {
            pems.add(m.group().strip());
        }
        return pems;
    }

    private static boolean stillValid(String pem, Instant now) {
        try {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            return cert.getNotAfter().toInstant().isAfter(now);
        } catch (CertificateException e) {
            return false;
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
