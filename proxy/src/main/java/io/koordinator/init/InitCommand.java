package io.koordinator.init;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code init}: installs the pod's inbound capture (see the package description), then exits. Runs as the
 * pod's init container, as root with NET_ADMIN, before the app and the proxy start.
 *
 * <p>Exit codes: 0 done, 1 an iptables command failed, 2 bad flag or variable, 3 iptables missing or not
 * permitted. Every failure prints one sentence on stderr.
 */
@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        description = {
            "Redirects inbound TCP connections to the app ports to the proxy's inbound port (iptables nat table).",
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
            names = InitConfigKeys.DRY_RUN_FLAG,
            description = "Print the commands a fresh pod gets, change nothing (env KOORD_DRY_RUN=true).")
    boolean dryRun;

    /** The environment the twins are read from; a field so tests can supply their own. */
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            InitConfig config =
                    InitConfig.resolve(inboundPort, capturePorts, excludePorts, iptablesBinary, dryRun, environment);
            if (config.dryRun()) {
                for (List<String> command : InboundRules.reconcile(config, NatState.EMPTY)) {
                    out.println(InboundRules.render(config.iptables(), command));
                }
                out.flush();
                return InitConfigKeys.EXIT_OK;
            }
            new InboundCapture(new ProcessIptables(config.iptables()), identity()).apply(config);
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
