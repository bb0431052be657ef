package io.koordinator.init;

import static io.koordinator.init.InitConfigKeys.CAPTURE_PORTS_ENV;
import static io.koordinator.init.InitConfigKeys.CAPTURE_PORTS_FLAG;
import static io.koordinator.init.InitConfigKeys.DRY_RUN_ENV;
import static io.koordinator.init.InitConfigKeys.EXCLUDE_PORTS_ENV;
import static io.koordinator.init.InitConfigKeys.EXCLUDE_PORTS_FLAG;
import static io.koordinator.init.InitConfigKeys.EXIT_BAD_CONFIG;
import static io.koordinator.init.InitConfigKeys.INBOUND_PORT_DEFAULT;
import static io.koordinator.init.InitConfigKeys.INBOUND_PORT_ENV;
import static io.koordinator.init.InitConfigKeys.INBOUND_PORT_FLAG;
import static io.koordinator.init.InitConfigKeys.IP6TABLES_ENV;
import static io.koordinator.init.InitConfigKeys.IPTABLES_DEFAULT;
import static io.koordinator.init.InitConfigKeys.IPTABLES_ENV;
import static io.koordinator.init.InitConfigKeys.IPV6_DEFAULT;
import static io.koordinator.init.InitConfigKeys.IPV6_ENV;
import static io.koordinator.init.InitConfigKeys.IPV6_FLAG;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The validated settings of one {@code init} run.
 *
 * @param inboundPort the proxy's inbound port, the REDIRECT target; never captured itself
 * @param capturePorts the app ports to capture, in the given order, without duplicates or excluded ports
 * @param excludePorts ports that are never captured, in the given order, without duplicates
 * @param iptables the iptables binary to run (IPv4)
 * @param ip6tables the ip6tables binary to run (IPv6)
 * @param ipv6 whether IPv6 is captured too
 * @param dryRun print the commands instead of running them
 */
public record InitConfig(
        int inboundPort,
        List<Integer> capturePorts,
        List<Integer> excludePorts,
        String iptables,
        String ip6tables,
        Ipv6Mode ipv6,
        boolean dryRun) {

    public InitConfig {
        Objects.requireNonNull(iptables, "iptables");
        Objects.requireNonNull(ip6tables, "ip6tables");
        Objects.requireNonNull(ipv6, "ipv6");
        capturePorts = List.copyOf(capturePorts);
        excludePorts = List.copyOf(excludePorts);
        if (capturePorts.isEmpty()) {
            throw new IllegalArgumentException("capturePorts must not be empty");
        }
        if (capturePorts.contains(inboundPort)) {
            throw new IllegalArgumentException("capturePorts must not contain the inbound port " + inboundPort);
        }
    }

    /**
     * Resolves the flags (null when not given) against the environment and the defaults, and validates.
     *
     * @throws InitException with {@link InitConfigKeys#EXIT_BAD_CONFIG} and a sentence naming the key
     */
    public static InitConfig resolve(
            String inboundPortFlag,
            String capturePortsFlag,
            String excludePortsFlag,
            String iptablesFlag,
            String ip6tablesFlag,
            String ipv6Flag,
            boolean dryRunFlag,
            Map<String, String> env)
            throws InitException {
        String inbound = firstNonBlank(inboundPortFlag, env.get(INBOUND_PORT_ENV));
        int inboundPort = inbound == null
                ? INBOUND_PORT_DEFAULT
                : port(inbound.trim(), INBOUND_PORT_FLAG + " (" + INBOUND_PORT_ENV + ")");

        String capture = firstNonBlank(capturePortsFlag, env.get(CAPTURE_PORTS_ENV));
        if (capture == null) {
            throw badConfig(CAPTURE_PORTS_FLAG + " (" + CAPTURE_PORTS_ENV
                    + ") is required: the app ports whose inbound connections the proxy receives, e.g. 8080");
        }
        Set<Integer> captured = ports(capture, CAPTURE_PORTS_FLAG + " (" + CAPTURE_PORTS_ENV + ")");
        String exclude = firstNonBlank(excludePortsFlag, env.get(EXCLUDE_PORTS_ENV));
        Set<Integer> excluded =
                exclude == null ? Set.of() : ports(exclude, EXCLUDE_PORTS_FLAG + " (" + EXCLUDE_PORTS_ENV + ")");

        if (captured.contains(inboundPort)) {
            throw badConfig(CAPTURE_PORTS_FLAG + " (" + CAPTURE_PORTS_ENV + ") contains the inbound port " + inboundPort
                    + ", which is the proxy's own listener and is never captured");
        }
        List<Integer> effective = new ArrayList<>(captured);
        effective.removeAll(excluded);
        if (effective.isEmpty()) {
            throw badConfig(CAPTURE_PORTS_FLAG + " (" + CAPTURE_PORTS_ENV + ") " + captured + " are all excluded by "
                    + EXCLUDE_PORTS_FLAG + " (" + EXCLUDE_PORTS_ENV + "), nothing to capture");
        }
        String iptablesValue = firstNonBlank(iptablesFlag, env.get(IPTABLES_ENV));
        String iptables = iptablesValue == null ? IPTABLES_DEFAULT : iptablesValue.trim();
        String ip6tables = firstNonBlank(ip6tablesFlag, env.get(IP6TABLES_ENV));
        String ipv6 = firstNonBlank(ipv6Flag, env.get(IPV6_ENV));
        boolean dryRun = dryRunFlag || Boolean.parseBoolean(env.getOrDefault(DRY_RUN_ENV, "false"));
        return new InitConfig(
                inboundPort,
                effective,
                new ArrayList<>(excluded),
                iptables,
                ip6tables == null ? ip6tablesFor(iptables) : ip6tables.trim(),
                ipv6 == null ? IPV6_DEFAULT : Ipv6Mode.parse(ipv6, IPV6_FLAG + " (" + IPV6_ENV + ")"),
                dryRun);
    }

    /**
     * The ip6tables binary of the same backend as {@code iptables}: {@code iptables-legacy} gives {@code
     * ip6tables-legacy}, {@code /usr/sbin/iptables-nft} gives {@code /usr/sbin/ip6tables-nft}; a binary whose
     * name does not start with {@code iptables} gives plain {@code ip6tables} (then set {@value
     * InitConfigKeys#IP6TABLES_FLAG}).
     */
    static String ip6tablesFor(String iptables) {
        int slash = iptables.lastIndexOf('/');
        String dir = iptables.substring(0, slash + 1);
        String name = iptables.substring(slash + 1);
        return name.startsWith("iptables") ? dir + "ip6" + name.substring(2) : "ip6tables";
    }

    private static Set<Integer> ports(String list, String key) throws InitException {
        Set<Integer> ports = new LinkedHashSet<>();
        for (String part : list.split(",", -1)) {
            String p = part.trim();
            if (p.isEmpty()) {
                throw badConfig(
                        key + " has an empty entry in '" + list + "': use comma-separated ports like 8080,8081");
            }
            ports.add(port(p, key));
        }
        return ports;
    }

    private static int port(String value, String key) throws InitException {
        int port;
        try {
            port = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw badConfig(key + " '" + value + "' is not a TCP port number (1-65535)");
        }
        if (port < 1 || port > 65535) {
            throw badConfig(key + " " + port + " is outside the TCP port range 1-65535");
        }
        return port;
    }

    private static String firstNonBlank(String flag, String env) {
        if (flag != null && !flag.isBlank()) {
            return flag;
        }
        return env != null && !env.isBlank() ? env : null;
    }

    private static InitException badConfig(String sentence) {
        return new InitException(EXIT_BAD_CONFIG, sentence + ".");
    }
}
