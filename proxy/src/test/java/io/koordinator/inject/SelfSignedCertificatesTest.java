package io.koordinator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelfSignedCertificatesTest {

    @Test
    void servingCertificateIsSignedByTheCaAndNamesTheService() throws Exception {
        TlsMaterial tls = SelfSignedCertificates.generate(List.of(
                InjectConfigKeys.DNS_NAMES_DEFAULT.get(0), InjectConfigKeys.DNS_NAMES_DEFAULT.get(1), "10.0.0.7"));
        X509Certificate ca = tls.ca();
        X509Certificate serving = tls.chain().get(0);

        serving.verify(ca.getPublicKey());
        ca.verify(ca.getPublicKey());
        serving.checkValidity();
        assertThat(ca.getBasicConstraints()).isEqualTo(0);
        assertThat(serving.getBasicConstraints()).isEqualTo(-1);
        assertThat(serving.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(serving.getSubjectAlternativeNames())
                .containsExactlyInAnyOrder(
                        List.of(2, "koordinator-injector.koordinator-system.svc"),
                        List.of(2, "koordinator-injector.koordinator-system.svc.cluster.local"),
                        List.of(7, "10.0.0.7"));
        assertThat(TlsMaterial.pem(ca)).startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void everyStartGetsAFreshCa() {
        TlsMaterial a = SelfSignedCertificates.generate(List.of("x.svc"));
        TlsMaterial b = SelfSignedCertificates.generate(List.of("x.svc"));
        assertThat(a.ca().getPublicKey()).isNotEqualTo(b.ca().getPublicKey());
    }
}
