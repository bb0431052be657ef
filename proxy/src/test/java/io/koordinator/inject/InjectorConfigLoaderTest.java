package io.koordinator.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InjectorConfigLoaderTest {

    @Test
    void noFileOrEmptyFileGivesTheDefaults() {
        assertThat(InjectorConfigLoader.load(null)).isEqualTo(InjectorConfig.defaults());
        assertThat(InjectorConfigLoader.parse("")).isEqualTo(InjectorConfig.defaults());
        assertThat(InjectorConfigLoader.parse("# nothing set\n")).isEqualTo(InjectorConfig.defaults());
    }

    @Test
    void missingFieldsTakeTheDefaults() {
        InjectorConfig c = InjectorConfigLoader.parse("""
                image: ghcr.io/acme/koordinator:1.2.3
                nativeSidecars: false
                proxyResources:
                  requests: {cpu: 50m}
                """);
        InjectorConfig d = InjectorConfig.defaults();
        assertThat(c.image()).isEqualTo("ghcr.io/acme/koordinator:1.2.3");
        assertThat(c.nativeSidecars()).isFalse();
        assertThat(c.proxyResources().requests()).containsOnlyKeys("cpu");
        assertThat(c.proxyResources().limits()).isEqualTo(d.proxyResources().limits());
        assertThat(c.zookeeper()).isEqualTo(d.zookeeper());
        assertThat(c.readPolicy()).isEqualTo("ordered");
        assertThat(c.initResources()).isEqualTo(d.initResources());
        assertThat(c.waitTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.transferTokenSecret()).isNull();
    }

    @Test
    void transferTokenSecretIsOptional() {
        assertThat(InjectorConfigLoader.parse("transferTokenSecret: koordinator-transfer-token")
                        .transferTokenSecret())
                .isEqualTo("koordinator-transfer-token");
    }

    @Test
    void jsonIsReadToo() {
        InjectorConfig c = InjectorConfigLoader.parse(
                "{\"zookeeper\": \"zk:2181/koord\", \"readPolicy\": \"local\", \"waitTimeout\": \"2m\"}");
        assertThat(c.zookeeper()).isEqualTo("zk:2181/koord");
        assertThat(c.readPolicy()).isEqualTo("local");
        assertThat(c.waitTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "imag: x                                  | unknown field 'imag' (known: [image, imagePullPolicy, initResources,"
                        + " nativeSidecars, proxyResources, proxyStartupPath, readPolicy, transferTokenSecret, waitTimeout,"
                        + " zookeeper])",
                "imagePullPolicy: Sometimes               | imagePullPolicy: 'Sometimes' is not one of Always, IfNotPresent,"
                        + " Never",
                "nativeSidecars: maybe                    | nativeSidecars: '\"maybe\"' is not true or false",
                "zookeeper: 'zk 1:2181'                   | zookeeper: 'zk 1:2181' is not a ZooKeeper connect string"
                        + " (host:port[,host:port...][/chroot])",
                "waitTimeout: forever                     | waitTimeout: 'forever' is not a duration (an integer and one of ms,"
                        + " s, m, h, like 2ms or 30s)",
                "proxyStartupPath: ready                  | proxyStartupPath: 'ready' is not an absolute path (starts with"
                        + " '/', no spaces, commas or '?')",
                "'proxyResources: {requests: {cpu: lots}}' | proxyResources.requests.cpu: 'lots' is not a positive"
                        + " Kubernetes quantity (like 100m or 256Mi)",
                "'proxyResources: {requests: {memory: 1Gi}, limits: {memory: 512Mi}}' | proxyResources: request"
                        + " memory=1Gi is above its limit 512Mi",
                "'proxyResources: {cpu: 1}'               | proxyResources: unknown field 'cpu' (known: limits, requests)",
                "- a list                                 | the top level must be a mapping of fields",
                "transferTokenSecret: Transfer_Token      | transferTokenSecret: 'Transfer_Token' is not a Secret name (an"
                        + " RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending alphanumeric)",
            })
    void invalidFileFailsWithOneSentenceNamingTheField(String yaml, String message) {
        assertThatThrownBy(() -> InjectorConfigLoader.parse(yaml)).hasMessage(message);
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.yaml");
        assertThatThrownBy(() -> InjectorConfigLoader.load(missing))
                .hasMessageStartingWith("--config: cannot read " + missing);
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "readPolicy: [1, 2]\n");
        assertThatThrownBy(() -> InjectorConfigLoader.load(bad))
                .hasMessage("--config " + bad + ": readPolicy: must be a single value");
    }
}
