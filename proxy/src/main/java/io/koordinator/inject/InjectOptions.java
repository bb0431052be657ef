package io.koordinator.inject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The {@code inject} command line, validated (see {@link InjectConfigKeys} for flags and defaults).
 *
 * @param address bind address
 * @param port HTTPS port, 0 for any free one
 * @param tlsCert PEM certificate chain, or null
 * @param tlsKey PEM private key, or null
 * @param selfSigned generate a CA and a serving certificate
 * @param dnsNames SANs of the generated certificate
 * @param patchWebhook MutatingWebhookConfiguration to write the generated CA into, or null
 * @param configFile injector defaults file, or null for the built-in defaults
 * @param maxBodyBytes cap on an AdmissionReview's size
 * @param patchRecheck how often the caBundle is checked again after start-up
 * @param patchDeadline how long start-up keeps retrying the first caBundle patch
 * @param certReload how often mounted certificate files are checked for a renewal
 */
public record InjectOptions(
        String address,
        int port,
        Path tlsCert,
        Path tlsKey,
        boolean selfSigned,
        List<String> dnsNames,
        String patchWebhook,
        Path configFile,
        int maxBodyBytes,
        Duration patchRecheck,
        Duration patchDeadline,
        Duration certReload) {

    public InjectOptions {
        Objects.requireNonNull(address, "address");
        dnsNames = List.copyOf(dnsNames);
        Objects.requireNonNull(patchRecheck, "patchRecheck");
        Objects.requireNonNull(patchDeadline, "patchDeadline");
        Objects.requireNonNull(certReload, "certReload");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port: " + port + " is not a port number");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together; give both or neither");
        }
        if (patchWebhook != null && patchWebhook.isBlank()) {
            patchWebhook = null;
        }
    }

    /** True when the mounted certificate files are there to be served. */
    boolean certificateMounted() {
        return tlsCert != null && tlsCert.toFile().isFile() && tlsKey.toFile().isFile();
    }

    /** True when we generate our own CA (and patch the webhook with it if one is named). */
    boolean generatesCertificates() {
        return !certificateMounted() && (selfSigned || patchWebhook != null);
    }
}
