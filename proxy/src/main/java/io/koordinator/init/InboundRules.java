package io.koordinator.init;

import java.util.ArrayList;
import java.util.List;

/**
 * The iptables commands that bring a pod's nat table from a given state to the inbound-capture layout.
 * The same arguments serve both families: run with {@code iptables} for IPv4 and {@code ip6tables} for IPv6,
 * each against its own table's {@link NatState}. Pure: no I/O, so the exact list is what the unit tests check.
 */
public final class InboundRules {

    /** Entered from PREROUTING for every inbound TCP connection; decides what is captured. */
    public static final String INBOUND_CHAIN = "KOORD_INBOUND";

    /** Redirects a captured connection to the proxy's inbound port. */
    public static final String REDIRECT_CHAIN = "KOORD_IN_REDIRECT";

    /** The rule spec of the one PREROUTING rule we own (after {@code -A PREROUTING}). */
    public static final List<String> PREROUTING_JUMP = List.of("-p", "tcp", "-j", INBOUND_CHAIN);

    /** Every command starts so: wait up to 5 s for the xtables lock, nat table. */
    static final List<String> PREFIX = List.of("-w", "5", "-t", "nat");

    private InboundRules() {}

    /** The command that lists the nat table, parsed by {@link NatState#parse}. */
    public static List<String> listCommand() {
        return command("-S");
    }

    /**
     * The commands, in order, that leave exactly the layout of the package description: own chains created
     * if missing or flushed if present, refilled, and exactly one PREROUTING jump.
     */
    public static List<List<String>> reconcile(InitConfig config, NatState state) {
        List<List<String>> commands = new ArrayList<>();
        for (String chain : List.of(INBOUND_CHAIN, REDIRECT_CHAIN)) {
            commands.add(state.chains().contains(chain) ? command("-F", chain) : command("-N", chain));
        }
        String inbound = Integer.toString(config.inboundPort());
        commands.add(command("-A", REDIRECT_CHAIN, "-p", "tcp", "-j", "REDIRECT", "--to-ports", inbound));
        commands.add(command("-A", INBOUND_CHAIN, "-p", "tcp", "--dport", inbound, "-j", "RETURN"));
        for (int port : config.excludePorts()) {
            if (port != config.inboundPort()) {
                commands.add(
                        command("-A", INBOUND_CHAIN, "-p", "tcp", "--dport", Integer.toString(port), "-j", "RETURN"));
            }
        }
        for (int port : config.capturePorts()) {
            commands.add(
                    command("-A", INBOUND_CHAIN, "-p", "tcp", "--dport", Integer.toString(port), "-j", REDIRECT_CHAIN));
        }
        for (List<String> spec : state.stalePreroutingJumps()) {
            commands.add(command("-D", "PREROUTING", spec));
        }
        if (state.preroutingJumps() == 0) {
            commands.add(command("-A", "PREROUTING", PREROUTING_JUMP));
        }
        for (int extra = 1; extra < state.preroutingJumps(); extra++) {
            commands.add(command("-D", "PREROUTING", PREROUTING_JUMP));
        }
        return commands;
    }

    /** {@code iptables args...} as one line of shell. */
    public static String render(String binary, List<String> args) {
        return binary + " " + String.join(" ", args);
    }

    static List<String> command(String... args) {
        List<String> command = new ArrayList<>(PREFIX);
        command.addAll(List.of(args));
        return List.copyOf(command);
    }

    private static List<String> command(String op, String chain, List<String> spec) {
        List<String> command = new ArrayList<>(PREFIX);
        command.add(op);
        command.add(chain);
        command.addAll(spec);
        return List.copyOf(command);
    }
}
