package io.koordinator.inject;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.koordinator.Durations;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The injector process: TLS material, the webhook listener and, in self-signed mode with
 * {@code --patch-webhook}, the caBundle patcher. Starts them in that order, closes them in reverse.
 */
public final class Injector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Injector.class);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final InjectOptions options;
    private final InjectorConfig config;
    private final TlsMaterial tls;
    /** Set when serving mounted files, which are watched for renewal. */
    private final ReloadingKeyManager mountedKeys;

    private final Supplier<KubernetesClient> clients;
    private final boolean podSecurityCheck;
    private final String version;
    private final InjectMetrics metrics = new InjectMetrics();
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile WebhookServer server;
    private volatile KubernetesClient client;
    private volatile ScheduledExecutorService scheduler;

    /**
     * Validates the options and reads the config and certificates; throws {@link IllegalArgumentException} with
     * one sentence naming the flag on any problem.
     *
     * @param clients makes the Kubernetes client, only called with {@code --patch-webhook} or the Pod Security check
     */
    public Injector(InjectOptions options, Supplier<KubernetesClient> clients, String version) {
        this(options, clients, version, System.getenv());
    }

    /** @param env the process environment, read for {@value InjectConfigKeys#POD_SECURITY_CHECK_ENV} */
    Injector(InjectOptions options, Supplier<KubernetesClient> clients, String version, Map<String, String> env) {
        this.podSecurityCheck = podSecurityCheck(env);
        this.options = Objects.requireNonNull(options, "options");
        this.clients = Objects.requireNonNull(clients, "clients");
        this.version = Objects.requireNonNull(version, "version");
        this.config = InjectorConfigLoader.load(options.configFile());
        if (options.certificateMounted()) {
            this.tls = TlsMaterial.fromPem(options.tlsCert(), options.tlsKey());
            this.mountedKeys = new ReloadingKeyManager(options.tlsCert(), options.tlsKey());
        } else if (options.generatesCertificates()) {
            this.tls = SelfSignedCertificates.generate(options.dnsNames());
            this.mountedKeys = null;
        } else if (options.tlsCert() != null) {
            throw new IllegalArgumentException("--tls-cert: " + options.tlsCert() + " or --tls-key: " + options.tlsKey()
                    + " does not exist; mount them, or add --self-signed or --patch-webhook");
        } else {
            throw new IllegalArgumentException(
                    "no TLS certificate: give --tls-cert and --tls-key, or --self-signed, or --patch-webhook NAME");
        }
    }

    public void start() throws IOException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("already started or closed");
        }
        log.info(
                "injector: version {}, image {}, {} mode, zookeeper {}, certificate {}",
                version,
                config.image(),
                config.nativeSidecars() ? "native sidecar" : "fallback container",
                config.zookeeper(),
                options.certificateMounted() ? options.tlsCert() : "self-signed for " + options.dnsNames());
        NamespaceLabels namespaces = NamespaceLabels.NONE;
        if (podSecurityCheck) {
            client = clients.get();
            namespaces =
                    new KubernetesNamespaceLabels(client, Duration.ofSeconds(30), java.time.Clock.systemUTC(), metrics);
            log.info("injector: reads namespace labels for the Pod Security check");
        }
        AdmissionHandler handler = new AdmissionHandler(config, version, namespaces);
        long t0 = System.nanoTime();
        AdmissionResult.Outcome warm = handler.warmUp();
        log.info("injector: warm-up admission {} in {} ms", warm.label(), (System.nanoTime() - t0) / 1_000_000);
        if (warm != AdmissionResult.Outcome.INJECTED) {
            throw new IllegalStateException("the warm-up admission was " + warm.label() + ", not injected");
        }
        server = new WebhookServer(
                new InetSocketAddress(options.address(), options.port()),
                mountedKeys != null ? mountedKeys.serverContext() : tls.serverContext(),
                handler,
                options.maxBodyBytes(),
                metrics);
        server.start();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "inject-scheduler");
            t.setDaemon(true);
            return t;
        });
        if (mountedKeys != null) {
            long every = options.certReload().toMillis();
            scheduler.scheduleWithFixedDelay(
                    () -> metrics.certificateReload(
                            mountedKeys.reloadIfChanged().label()),
                    every,
                    every,
                    TimeUnit.MILLISECONDS);
        }
        if (options.generatesCertificates() && options.patchWebhook() != null) {
            if (client == null) {
                client = clients.get();
            }
            CaBundlePatcher patcher = new CaBundlePatcher(client, options.patchWebhook(), TlsMaterial.pem(tls.ca()));
            patchUntilDone(patcher);
            long every = options.patchRecheck().toMillis();
            scheduler.scheduleWithFixedDelay(() -> attempt(patcher), every, every, TimeUnit.MILLISECONDS);
        }
        server.markReady();
        log.info("injector: ready on port {}", server.port());
    }

    private void patchUntilDone(CaBundlePatcher patcher) {
        Instant deadline = Instant.now().plus(options.patchDeadline());
        RuntimeException last;
        do {
            try {
                metrics.caBundlePatch(patcher.patchOnce() == CaBundlePatcher.Result.PATCHED ? "patched" : "unchanged");
                return;
            } catch (RuntimeException e) {
                metrics.caBundlePatch("failed");
                last = e;
                log.warn("injector: cannot write the CA into {} yet: {}", options.patchWebhook(), e.getMessage());
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (Instant.now().isBefore(deadline));
        throw new IllegalStateException(
                "--patch-webhook: could not write the CA into MutatingWebhookConfiguration " + options.patchWebhook()
                        + " within " + Durations.format(options.patchDeadline()) + ": " + last.getMessage(),
                last);
    }

    private void attempt(CaBundlePatcher patcher) {
        try {
            if (patcher.patchOnce() == CaBundlePatcher.Result.PATCHED) {
                metrics.caBundlePatch("patched");
                log.warn("injector: the caBundle of {} had been changed; wrote our CA again", options.patchWebhook());
            } else {
                metrics.caBundlePatch("unchanged");
            }
        } catch (RuntimeException e) {
            metrics.caBundlePatch("failed");
            log.warn("injector: cannot check the caBundle of {}: {}", options.patchWebhook(), e.getMessage());
        }
    }

    /**
     * Whether admissions read the namespace's labels ({@value InjectConfigKeys#POD_SECURITY_CHECK_ENV}): {@code
     * true}, {@code false}, or unset for "inside a cluster" ({@code KUBERNETES_SERVICE_HOST} set).
     */
    static boolean podSecurityCheck(Map<String, String> env) {
        String v = env.get(InjectConfigKeys.POD_SECURITY_CHECK_ENV);
        if (v == null || v.isBlank()) {
            return env.get("KUBERNETES_SERVICE_HOST") != null;
        }
        try {
            return Values.bool(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(InjectConfigKeys.POD_SECURITY_CHECK_ENV + ": " + e.getMessage());
        }
    }

    /** The bound HTTPS port. */
    public int port() {
        return server.port();
    }

    public TlsMaterial tls() {
        return tls;
    }

    /** Checks the mounted certificate files now (tests; normally every 30 s). */
    boolean reloadCertificateIfChanged() {
        if (mountedKeys == null) {
            return false;
        }
        ReloadingKeyManager.Reload r = mountedKeys.reloadIfChanged();
        metrics.certificateReload(r.label());
        return r == ReloadingKeyManager.Reload.RELOADED;
    }

    public InjectMetrics metrics() {
        return metrics;
    }

    /** Blocks until {@link #close()}. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /** Stops in reverse order: not ready, patcher, client, listener. Idempotent, never throws. */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        try {
            if (scheduler != null) {
                scheduler.shutdownNow();
            }
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
        } catch (RuntimeException e) {
            log.warn("injector: error while stopping", e);
        } finally {
            closed.countDown();
        }
    }

    static Duration defaultPatchRecheck() {
        return Duration.ofSeconds(60);
    }

    static Duration defaultCertReload() {
        return Duration.ofSeconds(30);
    }

    static Duration defaultPatchDeadline() {
        return Duration.ofMinutes(2);
    }
}
