package io.koordinator.init;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code init}: installs the pod's inbound capture (see the package description) for IPv4 and, as
 * {@link Ipv6Mode} decides, IPv6, then exits. Runs as the pod's init container, as root with NET_ADMIN, before
 * the app and the proxy start.
 *
 * <p>Exit codes: 0 done, 1 an iptables command failed, 2 bad flag or variable, 3 iptables (or required
 * ip6tables) missing or not permitted. Every failure prints one sentence on stderr.
 */
@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        description = {
            "Redirects inbound TCP connections to the app ports to the proxy's inbound port (iptables and ip6tables"
                    + " nat tables).",
            "Each flag has an environment twin; the flag wins."
        })
public final class InitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = InitConfigKeys.INBOUND_PORT_FLAG,
            paramLabel = "PORT",
            description = "The proxy's inbound port, the redirect target (env KOORD_INBOUND_PORT, default 16001).")
    String inboundPort;

    @Option(
            names = InitConfigKeys.CAPTURE_PORTS_FLAG,
            paramLabel = "PORTS",
            description = "Comma-separated app ports to capture, e.g. 8080,8081 (env KOORD_CAPTURE_PORTS, required).")
    String capturePorts;

    @Option(
            names = InitConfigKeys.EXCLUDE_PORTS_FLAG,
            paramLabel = "PORTS",
            description = "Comma-separated ports never captured, e.g. 16000 (env KOORD_EXCLUDE_PORTS).")
    String excludePorts;

    @Option(
            names = InitConfigKeys.IPTABLES_FLAG,
            paramLabel = "BINARY",
            description = "The iptables binary, e.g. iptables-legacy (env KOORD_IPTABLES, default iptables).")
    String iptablesBinary;

    @Option(
            names = InitConfigKeys.IP6TABLES_FLAG,
            paramLabel = "BINARY",
            description = "The ip6tables binary (env KOORD_IP6TABLES, default: the iptables binary's IPv6 twin,"
                    + " e.g. ip6tables-legacy for iptables-legacy).")
    String ip6tablesBinary;

    @Option(
            names = InitConfigKeys.IPV6_FLAG,
            paramLabel = "auto|on|off",
            description = "Capture IPv6 too: auto (when the pod has IPv6 addresses), on, off (env KOORD_IPV6,"
                    + " default auto).")
    String ipv6;

    @Option(
            names = InitConfigKeys.DRY_RUN_FLAG,
            description = "Print the commands a fresh pod gets (IPv4, then IPv6 unless --ipv6 off), change nothing"
                    + " (env KOORD_DRY_RUN=true).")
    boolean dryRun;

    /** The environment the twins are read from; a field so tests can supply their own. */
    Map<String, String> environment = System.getenv();

    /** Where the pod's IPv6 addresses are listed; a field so tests can supply their own. */
    Path ipv6Addresses = Ipv6Presence.IF_INET6;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            InitConfig config = InitConfig.resolve(
                    inboundPort,
                    capturePorts,
                    excludePorts,
                    iptablesBinary,
                    ip6tablesBinary,
                    ipv6,
                    dryRun,
                    environment);
            if (config.dryRun()) {
                List<String> binaries = config.ipv6() == Ipv6Mode.OFF
                        ? List.of(config.iptables())
                        : List.of(config.iptables(), config.ip6tables());
                for (String binary : binaries) {
                    for (List<String> command : InboundRules.reconcile(config, NatState.EMPTY)) {
                        out.println(InboundRules.render(binary, command));
                    }
                }
                out.flush();
                return InitConfigKeys.EXIT_OK;
            }
            new PodCapture(ProcessIptables::new, identity()).apply(config, Ipv6Presence.read(ipv6Addresses));
            return InitConfigKeys.EXIT_OK;
        } catch (InitException e) {
            err.println("init: " + e.getMessage());
            err.flush();
            return e.exitCode();
        }
    }

    /** {@code init/<pod name>}: Kubernetes sets HOSTNAME to the pod name. */
    private String identity() {
        String host = environment.get("HOSTNAME");
        return host == null || host.isBlank() ? "init" : "init/" + host;
    }
}
