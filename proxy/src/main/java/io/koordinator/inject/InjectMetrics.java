package io.koordinator.inject;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;

/** The injector's counters, in their own registry, served on {@code GET /metrics}. Thread-safe. */
public final class InjectMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();

    private final Counter admissions = Counter.builder()
            .name("koordinator_inject_admissions_total")
            .help(
                    "AdmissionReviews answered, by outcome (injected, skipped, ignored, refused, failed, malformed, too_large)")
            .labelNames("outcome")
            .register(registry);

    private final Counter caBundlePatches = Counter.builder()
            .name("koordinator_inject_ca_bundle_patches_total")
            .help(
                    "Attempts to write our CA into the MutatingWebhookConfiguration, by result (patched, unchanged, failed)")
            .labelNames("result")
            .register(registry);

    private final Counter certificateReloads = Counter.builder()
            .name("koordinator_inject_certificate_reloads_total")
            .help("Checks of the mounted certificate files, by result (unchanged, reloaded, failed)")
            .labelNames("result")
            .register(registry);

    private final Counter requestFailures = Counter.builder()
            .name("koordinator_inject_request_failures_total")
            .help("HTTP exchanges that failed while being answered (client gone, I/O error)")
            .register(registry);

    private final Counter namespaceLookupFailures = Counter.builder()
            .name("koordinator_inject_namespace_lookup_failures_total")
            .help("Namespace label reads that failed (the pod was admitted without the Pod Security check)")
            .register(registry);

    public InjectMetrics() {
        for (AdmissionResult.Outcome o : AdmissionResult.Outcome.values()) {
            admissions.labelValues(o.label());
        }
        for (String r : new String[] {"patched", "unchanged", "failed"}) {
            caBundlePatches.labelValues(r);
        }
        for (String r : new String[] {"unchanged", "reloaded", "failed"}) {
            certificateReloads.labelValues(r);
        }
    }

    public void admission(AdmissionResult.Outcome outcome) {
        admissions.labelValues(outcome.label()).inc();
    }

    public long admissions(AdmissionResult.Outcome outcome) {
        return (long) admissions.labelValues(outcome.label()).get();
    }

    public void caBundlePatch(String result) {
        caBundlePatches.labelValues(result).inc();
    }

    public void certificateReload(String result) {
        certificateReloads.labelValues(result).inc();
    }

    public void namespaceLookupFailure() {
        namespaceLookupFailures.inc();
    }

    public long namespaceLookupFailures() {
        return (long) namespaceLookupFailures.get();
    }

    public void requestFailure() {
        requestFailures.inc();
    }

    public String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    public void write(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create()
                .write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
    }
}
