/**
 * The injector ({@code koordinator inject}): a mutating admission webhook that adds the Koordinator init
 * container and proxy sidecar to pods, and {@code koordinator wait}, the postStart hook of the fallback mode.
 *
 * <p>Flow: {@link io.koordinator.inject.WebhookServer} (HTTPS) reads a capped body and hands it to {@link
 * io.koordinator.inject.AdmissionHandler}, which parses the AdmissionReview, checks the pod against the API
 * server's rules ({@link io.koordinator.inject.PodRules}) and its surroundings ({@link
 * io.koordinator.inject.Compatibility}: Istio, Pod Security), decides (skip, refuse, inject), resolves the pod's
 * annotations into {@link io.koordinator.inject.PodSettings} (the app port by {@link io.koordinator.inject.AppPort}),
 * rewrites the probes on the app port in a clone ({@link io.koordinator.inject.ProbeRewrite}), adds our containers to
 * a second clone with {@link io.koordinator.inject.PodMutator} and answers with the JSON Patch of the two steps. Every key (flag, env,
 * annotation, config field) is listed in {@link io.koordinator.inject.InjectConfigKeys}; docs/inject.md is the
 * user-facing reference.
 *
 * <h2>Threading</h2>
 *
 * <ul>
 *   <li>The listener runs exchanges on a fixed pool of 4 threads ({@code inject-http-N}). {@link
 *       io.koordinator.inject.AdmissionHandler} and everything it calls are stateless after construction, so
 *       concurrent admissions share nothing but the thread-safe {@link io.koordinator.inject.InjectMetrics} and
 *       the namespace label cache of {@link io.koordinator.inject.KubernetesNamespaceLabels} (a {@code
 *       ConcurrentHashMap}; two threads may read the same namespace at once, and the later answer wins).
 *   <li>{@link io.koordinator.inject.CaBundlePatcher} runs on the start-up thread once, then on one scheduler
 *       thread ({@code inject-scheduler}); never concurrently. The same thread checks mounted certificate files for
 *       renewal ({@link io.koordinator.inject.ReloadingKeyManager}), whose current key pair handshakes read
 *       through a volatile field.
 *   <li>{@link io.koordinator.inject.Injector#close()} may be called from the shutdown hook while the main
 *       thread waits in {@code awaitClosed()}; its state is one {@code AtomicReference}.
 * </ul>
 */
package io.koordinator.inject;
