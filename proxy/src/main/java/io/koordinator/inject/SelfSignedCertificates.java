package io.koordinator.inject;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Generates, in memory, a CA and certificates it signs: for the webhook's TLS when no certificate is mounted, and
 * for local ZooKeeper ensembles and tests that run ZooKeeper over TLS. EC P-256 keys, SHA256withECDSA; the CA is
 * valid 10 years, the certificates it issues 5; all start an hour in the past to tolerate clock skew between nodes.
 */
public final class SelfSignedCertificates {

    private static final Duration SKEW = Duration.ofHours(1);
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration SERVING_VALIDITY = Duration.ofDays(1825);

    private SelfSignedCertificates() {}

    /** A fresh CA and serving certificate for {@code names} (DNS names; IP literals become IP SANs). */
    public static TlsMaterial generate(List<String> names) {
        return authority("koordinator-injector-ca").issue(names, false);
    }

    /** A fresh CA named {@code CN=commonName}. */
    public static Authority authority(String commonName) {
        try {
            SecureRandom random = new SecureRandom();
            KeyPair caKeys = ecKeys(random);
            Instant now = Instant.now();
            X500Name caName = new X500Name("CN=" + commonName);
            X509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(
                    caName,
                    serial(random),
                    Date.from(now.minus(SKEW)),
                    Date.from(now.plus(CA_VALIDITY)),
                    caName,
                    caKeys.getPublic());
            ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            ca.addExtension(
                    Extension.subjectKeyIdentifier,
                    false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(caKeys.getPublic()));
            return new Authority(caName, caKeys, sign(ca, caKeys), random);
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("cannot generate the self-signed certificates: " + e.getMessage(), e);
        }
    }

    /** A CA held in memory with its key; it issues certificates. */
    public static final class Authority {
        private final X500Name name;
        private final KeyPair keys;
        private final X509Certificate certificate;
        private final SecureRandom random;

        private Authority(X500Name name, KeyPair keys, X509Certificate certificate, SecureRandom random) {
            this.name = name;
            this.keys = keys;
            this.certificate = certificate;
            this.random = random;
        }

        /** The CA's own certificate, what its peers trust. */
        public X509Certificate certificate() {
            return certificate;
        }

        /**
         * A certificate for {@code names} (the first is the common name; IP literals become IP SANs) that this CA
         * signs, for TLS servers, and for TLS clients too when {@code client} is true.
         */
        public TlsMaterial issue(List<String> names, boolean client) {
            if (names.isEmpty()) {
                throw new IllegalArgumentException("--dns-names: at least one name is needed");
            }
            try {
                KeyPair servingKeys = ecKeys(random);
                Instant now = Instant.now();
                X509v3CertificateBuilder serving = new JcaX509v3CertificateBuilder(
                        name,
                        serial(random),
                        Date.from(now.minus(SKEW)),
                        Date.from(now.plus(SERVING_VALIDITY)),
                        new X500Name("CN=" + names.get(0)),
                        servingKeys.getPublic());
                serving.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                serving.addExtension(
                        Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                serving.addExtension(
                        Extension.extendedKeyUsage,
                        false,
                        client
                                ? new ExtendedKeyUsage(
                                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                                        })
                                : new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                serving.addExtension(Extension.subjectAlternativeName, false, sans(names));
                serving.addExtension(
                        Extension.authorityKeyIdentifier,
                        false,
                        new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
                return new TlsMaterial(servingKeys.getPrivate(), List.of(sign(serving, keys)), certificate);
            } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
                throw new IllegalStateException("cannot generate the self-signed certificates: " + e.getMessage(), e);
            }
        }
    }

    private static GeneralNames sans(List<String> names) {
        List<GeneralName> out = new ArrayList<>();
        for (String n : names) {
            boolean ip = n.matches("[0-9.]+") || n.contains(":");
            if (ip) {
                try {
                    // A literal: no lookup happens.
                    out.add(new GeneralName(
                            GeneralName.iPAddress, InetAddress.getByName(n).getHostAddress()));
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalArgumentException("--dns-names: '" + n + "' is not an IP address", e);
                }
            } else {
                out.add(new GeneralName(GeneralName.dNSName, n));
            }
        }
        return new GeneralNames(out.toArray(new GeneralName[0]));
    }

    private static KeyPair ecKeys(SecureRandom random) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), random);
        return g.generateKeyPair();
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
            throws OperatorCreationException, GeneralSecurityException {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }
}
