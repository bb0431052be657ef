package io.koordinator.cli;

import io.koordinator.Durations;
import io.koordinator.proxy.ZkTlsFiles;
import io.koordinator.sequencer.SequencerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The flags every operator subcommand shares: which ZooKeeper, which group, which credentials, which
 * TLS files (read as the proxy reads them, {@link ZkTlsFiles}). Each
 * has a {@code KOORD_*} twin, the same as the proxy's where the proxy has the flag.
 */
final class GroupOptions {
    @Option(
            names = "--zookeeper",
            paramLabel = "HOSTS",
            defaultValue = "${env:KOORD_ZOOKEEPER}",
            description = "ZooKeeper connect string (required). Env KOORD_ZOOKEEPER.")
    String zookeeper;

    @Option(
            names = "--zk-root",
            paramLabel = "PATH",
            defaultValue = "${env:KOORD_ZK_ROOT:-" + SequencerConfig.DEFAULT_ROOT + "}",
            description = "ZooKeeper root of all groups. Default: ${DEFAULT-VALUE}. Env KOORD_ZK_ROOT.")
    String zkRoot;

    @Option(
            names = "--group",
            paramLabel = "NAME",
            defaultValue = "${env:KOORD_GROUP}",
            description = "The group (required): its id, or its name with --namespace. Env KOORD_GROUP.")
    String group;

    @Option(
            names = "--namespace",
            paramLabel = "NS",
            defaultValue = "${env:KOORD_NAMESPACE}",
            description = "Namespace; the group id becomes <namespace>.<group>. Env KOORD_NAMESPACE.")
    String namespace;

    @Option(
            names = "--zk-credentials",
            paramLabel = "USER:PASSWORD",
            defaultValue = "${env:KOORD_ZK_CREDENTIALS}",
            description = "ZooKeeper digest credentials for the group's subtree. Env KOORD_ZK_CREDENTIALS.")
    String credentials;

    @Option(
            names = "--zk-credentials-file",
            paramLabel = "FILE",
            defaultValue = "${env:KOORD_ZK_CREDENTIALS_FILE}",
            description = "A file holding USER:PASSWORD (a mounted Secret). Env KOORD_ZK_CREDENTIALS_FILE.")
    Path credentialsFile;

    @Option(
            names = "--zk-tls-cert-file",
            paramLabel = "FILE",
            defaultValue = "${env:KOORD_ZK_TLS_CERT_FILE}",
            description = "PEM certificate chain for ZooKeeper's secure client port; with --zk-tls-key-file and"
                    + " --zk-tls-ca-file. Env KOORD_ZK_TLS_CERT_FILE.")
    String tlsCertFile;

    @Option(
            names = "--zk-tls-key-file",
            paramLabel = "FILE",
            defaultValue = "${env:KOORD_ZK_TLS_KEY_FILE}",
            description = "PEM private key of --zk-tls-cert-file. Env KOORD_ZK_TLS_KEY_FILE.")
    String tlsKeyFile;

    @Option(
            names = "--zk-tls-ca-file",
            paramLabel = "FILE",
            defaultValue = "${env:KOORD_ZK_TLS_CA_FILE}",
            description = "PEM CA certificates of ZooKeeper's servers. Env KOORD_ZK_TLS_CA_FILE.")
    String tlsCaFile;

    @Option(
            names = "--connect-timeout",
            paramLabel = "DURATION",
            defaultValue = "${env:KOORD_CONNECT_TIMEOUT:-5s}",
            description = "How long to wait for ZooKeeper. Default: ${DEFAULT-VALUE}. Env KOORD_CONNECT_TIMEOUT.")
    String connectTimeout;

    /** The validated settings; a bad one fails with the flag's name. */
    Settings settings() throws CliFailure {
        if (zookeeper == null || zookeeper.isBlank()) {
            throw new CliFailure(CliFailure.USAGE, "--zookeeper (KOORD_ZOOKEEPER) is required.");
        }
        if (group == null || group.isBlank()) {
            throw new CliFailure(CliFailure.USAGE, "--group (KOORD_GROUP) is required.");
        }
        if (credentials != null && credentialsFile != null) {
            throw new CliFailure(CliFailure.USAGE, "give --zk-credentials or --zk-credentials-file, not both.");
        }
        String id = namespace == null || namespace.isBlank() ? group : namespace + "." + group;
        Duration timeout;
        try {
            timeout = Durations.parse(connectTimeout);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(CliFailure.USAGE, "--connect-timeout: " + e.getMessage());
        }
        SequencerConfig config;
        try {
            config = SequencerConfig.defaults(zookeeper, id, "operator").withRoot(zkRoot);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(CliFailure.USAGE, "--group or --zk-root: " + e.getMessage());
        }
        try {
            config = config.withTls(ZkTlsFiles.load(
                    tlsCertFile, tlsKeyFile, tlsCaFile, "--zk-tls-cert-file", "--zk-tls-key-file", "--zk-tls-ca-file"));
        } catch (IllegalArgumentException e) {
            throw new CliFailure(CliFailure.USAGE, e.getMessage() + ".");
        }
        return new Settings(config, credentials(), timeout);
    }

    private String credentials() throws CliFailure {
        String c = credentials;
        if (credentialsFile != null) {
            try {
                c = Files.readString(credentialsFile, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new CliFailure(
                        CliFailure.USAGE, "--zk-credentials-file: cannot read " + credentialsFile + ": " + e);
            }
        }
        if (c != null && (c.indexOf(':') <= 0 || c.endsWith(":"))) {
            throw new CliFailure(CliFailure.USAGE, "--zk-credentials must be USER:PASSWORD.");
        }
        return c;
    }

    /**
     * @param config the group's root and id, and the connect string
     * @param credentials {@code user:password} for ZooKeeper's digest scheme, or {@code null}
     * @param connectTimeout how long to wait for ZooKeeper
     */
    record Settings(SequencerConfig config, String credentials, Duration connectTimeout) {}
}
