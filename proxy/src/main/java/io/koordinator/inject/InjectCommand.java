package io.koordinator.inject;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code koordinator inject}: the mutating admission webhook that adds Koordinator to pods. See docs/inject.md. */
@Command(
        name = "inject",
        description = "Serve the mutating admission webhook (HTTPS, POST /mutate) that injects Koordinator.")
public final class InjectCommand implements Callable<Integer> {

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help and exit.")
    boolean help;

    private static final Logger log = LoggerFactory.getLogger(InjectCommand.class);

    @Option(
            names = "--port",
            defaultValue = "${env:KOORD_INJECT_PORT:-9443}",
            description = "HTTPS port (${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--address", defaultValue = "${env:KOORD_INJECT_ADDRESS:-0.0.0.0}", description = "Bind address.")
    String address;

    @Option(names = "--tls-cert", defaultValue = "${env:KOORD_INJECT_TLS_CERT}", description = "PEM certificate chain.")
    Path tlsCert;

    @Option(names = "--tls-key", defaultValue = "${env:KOORD_INJECT_TLS_KEY}", description = "PEM private key.")
    Path tlsKey;

    @Option(
            names = "--self-signed",
            defaultValue = "${env:KOORD_INJECT_SELF_SIGNED:-false}",
            description = "Generate a CA and a serving certificate at start-up.")
    boolean selfSigned;

    @Option(
            names = "--dns-names",
            split = ",",
            defaultValue = "${env:KOORD_INJECT_DNS_NAMES:-koordinator-injector.koordinator-system.svc,"
                    + "koordinator-injector.koordinator-system.svc.cluster.local}",
            description = "SANs of the generated certificate (${DEFAULT-VALUE}).")
    List<String> dnsNames;

    @Option(
            names = "--patch-webhook",
            defaultValue = "${env:KOORD_INJECT_PATCH_WEBHOOK}",
            description = "MutatingWebhookConfiguration whose caBundle gets the generated CA.")
    String patchWebhook;

    @Option(
            names = "--config",
            defaultValue = "${env:KOORD_INJECT_CONFIG}",
            description = "Injector defaults (YAML/JSON).")
    Path configFile;

    @Option(
            names = "--max-body-bytes",
            defaultValue = "${env:KOORD_INJECT_MAX_BODY_BYTES:-4194304}",
            description = "Largest AdmissionReview accepted (${DEFAULT-VALUE} bytes).")
    int maxBodyBytes;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Injector injector;
        try {
            injector = new Injector(
                    new InjectOptions(
                            address,
                            port,
                            tlsCert,
                            tlsKey,
                            selfSigned,
                            dnsNames,
                            patchWebhook,
                            configFile,
                            maxBodyBytes,
                            Injector.defaultPatchRecheck(),
                            Injector.defaultPatchDeadline(),
                            Injector.defaultCertReload()),
                    () -> new KubernetesClientBuilder().build(),
                    version());
        } catch (IllegalArgumentException e) {
            System.err.println("inject: " + e.getMessage());
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(injector::close, "inject-shutdown"));
        try {
            injector.start();
        } catch (IllegalStateException | IOException e) {
            log.error("injector: cannot start: {}", e.getMessage());
            System.err.println("inject: " + e.getMessage());
            injector.close();
            return 1;
        }
        injector.awaitClosed();
        return 0;
    }

    /** The artifact version from the jar's Maven metadata, or "dev" when run from classes. */
    static String version() {
        try (InputStream in = InjectCommand.class.getResourceAsStream(
                "/META-INF/maven/io.koordinator/koordinator-proxy/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "dev");
            }
        } catch (IOException e) {
            // fall through
        }
        return "dev";
    }
}
