package io.koordinator.inject;

import static io.koordinator.inject.AdmissionTestSupport.JSON;
import static io.koordinator.inject.AdmissionTestSupport.createReview;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** The injector over real HTTPS on 127.0.0.1, with a generated certificate and a client that trusts its CA. */
class InjectorIT {

    private Injector injector;
    private HttpClient client;

    @BeforeEach
    void start(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, AdmissionTestSupport.resource("test-config.yaml"));
        injector = new Injector(options(null, null, true, config, 64 * 1024), () -> null, "test", Map.of());
        injector.start();
        client = clientTrusting(TlsMaterial.trusting(injector.tls().ca()));
    }

    @AfterEach
    void stop() {
        injector.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "not JSON                |{\"apiVersion\": |request body is not JSON",
                "a JSON array            |[1, 2]          |request body is not a JSON object",
                "wrong apiVersion        |{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\","
                        + "\"request\":{\"uid\":\"u\"}}|not an AdmissionReview admission.k8s.io/v1",
                "no request              |{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}"
                        + "|AdmissionReview has no request",
                "no uid                  |{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                        + "\"request\":{\"kind\":{\"kind\":\"Pod\"}}}|AdmissionReview request has no uid",
            })
    void malformedReviewGets400WithAReason(String name, String body, String error) throws Exception {
        HttpResponse<String> r = post("/mutate", body.trim().getBytes(StandardCharsets.UTF_8));

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode json = JSON.readTree(r.body());
        assertThat(json.path("error").asString()).isEqualTo(error);
        assertThat(json.path("detail").asString()).isNotBlank();
        assertThat(injector.metrics().admissions(AdmissionResult.Outcome.MALFORMED))
                .isEqualTo(1);
        // and the server is still serving
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void podIsInjectedOverHttps() throws Exception {
        byte[] review = createReview("several-containers/pod.yaml");

        HttpResponse<String> r = post("/mutate", review);

        assertThat(r.statusCode()).isEqualTo(200);
        AdmissionReview answer = JSON.readValue(r.body(), AdmissionReview.class);
        assertThat(answer.getResponse().getUid()).isEqualTo(AdmissionTestSupport.uidOf(review));
        assertThat(answer.getResponse().getAllowed()).isTrue();
        assertThat(answer.getResponse().getPatchType()).isEqualTo("JSONPatch");
        AdmissionTestSupport.assertJsonEqualsFixture(
                AdmissionTestSupport.patch(answer.getResponse()), "several-containers/expected-patch.json");
        assertThat(injector.metrics().admissions(AdmissionResult.Outcome.INJECTED))
                .isEqualTo(1);
        assertThat(get("/metrics").body()).contains("koordinator_inject_admissions_total{outcome=\"injected\"} 1.0");
    }

    @Test
    void bodyOverTheCapGets413() throws Exception {
        byte[] big = new byte[64 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) ' ');

        HttpResponse<String> r = post("/mutate", big);

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(r.body()).path("error").asString()).isEqualTo("request body too large");
        assertThat(injector.metrics().admissions(AdmissionResult.Outcome.TOO_LARGE))
                .isEqualTo(1);
    }

    @Test
    void otherPathsAndMethodsAreRefused() throws Exception {
        assertThat(get("/mutate").statusCode()).isEqualTo(405);
        assertThat(get("/").statusCode()).isEqualTo(404);
        assertThat(post("/healthz", new byte[] {'x'}).statusCode()).isEqualTo(405);
        assertThat(get("/healthz").body()).isEqualTo("ok\n");
    }

    @Test
    void clientThatDoesNotTrustOurCaCannotConnect() throws Exception {
        TlsMaterial stranger = SelfSignedCertificates.generate(List.of("127.0.0.1"));
        HttpClient untrusting = clientTrusting(TlsMaterial.trusting(stranger.ca()));
        {
            assertThatThrownBy(() -> untrusting.send(
                            HttpRequest.newBuilder(uri("/healthz")).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sec1-ec", "pkcs1-rsa", "pkcs8-ec"})
    void mountedPemCertificateIsServed(String pair, @TempDir Path dir) throws Exception {
        // given a certificate and key made by openssl, as a Secret would mount them (test fixtures, 127.0.0.1)
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.writeString(crt, AdmissionTestSupport.resource("tls/" + pair + ".crt"));
        Files.writeString(key, AdmissionTestSupport.resource("tls/" + pair + ".key"));
        TlsMaterial files = TlsMaterial.fromPem(crt, key);

        // when the injector serves them
        HttpClient trusting = clientTrusting(TlsMaterial.trusting(files.chain().get(0)));
        try (Injector mounted = new Injector(options(crt, key, false, null, 4 << 20), () -> null, "test", Map.of())) {
            mounted.start();
            HttpResponse<String> r = trusting.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + mounted.port() + "/healthz"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            // then a client trusting that certificate gets through
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(mounted.tls().ca()).isNull();
        }
    }

    @Test
    void renewedMountedCertificateIsServedWithoutRestart(@TempDir Path dir) throws Exception {
        // given the injector serving the RSA pair
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.writeString(crt, AdmissionTestSupport.resource("tls/pkcs1-rsa.crt"));
        Files.writeString(key, AdmissionTestSupport.resource("tls/pkcs1-rsa.key"));
        X509Certificate rsa = TlsMaterial.fromPem(crt, key).chain().get(0);
        try (Injector mounted = new Injector(options(crt, key, false, null, 4 << 20), () -> null, "test", Map.of())) {
            mounted.start();
            assertThat(servedCertificate(mounted.port(), rsa)).isEqualTo(rsa);
            assertThat(mounted.reloadCertificateIfChanged()).isFalse();

            // when the files are replaced by the EC pair, as a Secret update does
            Files.writeString(key, AdmissionTestSupport.resource("tls/sec1-ec.key"));
            Files.writeString(crt, AdmissionTestSupport.resource("tls/sec1-ec.crt"));
            X509Certificate ec = TlsMaterial.fromPem(crt, key).chain().get(0);
            assertThat(mounted.reloadCertificateIfChanged()).isTrue();

            // then new connections get the new certificate
            assertThat(servedCertificate(mounted.port(), ec)).isEqualTo(ec);
        }
    }

    @Test
    void halfWrittenRenewalKeepsTheOldCertificate(@TempDir Path dir) throws Exception {
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.writeString(crt, AdmissionTestSupport.resource("tls/pkcs8-ec.crt"));
        Files.writeString(key, AdmissionTestSupport.resource("tls/pkcs8-ec.key"));
        X509Certificate old = TlsMaterial.fromPem(crt, key).chain().get(0);
        try (Injector mounted = new Injector(options(crt, key, false, null, 4 << 20), () -> null, "test", Map.of())) {
            mounted.start();
            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n");

            assertThat(mounted.reloadCertificateIfChanged()).isFalse();
            assertThat(servedCertificate(mounted.port(), old)).isEqualTo(old);
        }
    }

    /** The certificate the server presents on a fresh connection. */
    private static X509Certificate servedCertificate(int port, X509Certificate trusted) throws Exception {
        HttpClient fresh = clientTrusting(TlsMaterial.trusting(trusted));
        HttpResponse<String> r = fresh.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/healthz"))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return (X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0];
    }

    @Test
    void startUpErrorsNameTheFlag(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> new Injector(options(null, null, false, null, 4 << 20), () -> null, "t", Map.of()))
                .hasMessage("no TLS certificate: give --tls-cert and --tls-key, or --self-signed, or --patch-webhook"
                        + " NAME");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "readPolicy: sometimes\n");
        assertThatThrownBy(() -> new Injector(options(null, null, true, bad, 4 << 20), () -> null, "t", Map.of()))
                .hasMessage("--config " + bad + ": readPolicy: 'sometimes' is not one of ordered, linearizable, local");
    }

    static InjectOptions options(Path crt, Path key, boolean selfSigned, Path config, int maxBody) {
        return new InjectOptions(
                "127.0.0.1",
                0,
                crt,
                key,
                selfSigned,
                List.of("127.0.0.1"),
                null,
                config,
                maxBody,
                Duration.ofSeconds(60),
                Duration.ofSeconds(30),
                Duration.ofHours(1));
    }

    static HttpClient clientTrusting(SSLContext ssl) {
        return HttpClient.newBuilder()
                .sslContext(ssl)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    private URI uri(String path) {
        return URI.create("https://127.0.0.1:" + injector.port() + path);
    }

    private HttpResponse<String> post(String path, byte[] body) throws Exception {
        return client.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
