package io.koordinator.init;

/**
 * Every setting of the {@code init} subcommand: flag, environment variable, default.
 *
 * <p>Precedence: the flag, then the environment variable, then the default.
 */
public final class InitConfigKeys {

    /** {@code --inbound-port} / {@code KOORD_INBOUND_PORT}, default 16001: the proxy's inbound listener (TCP port). */
    public static final String INBOUND_PORT_FLAG = "--inbound-port";

    public static final String INBOUND_PORT_ENV = "KOORD_INBOUND_PORT";
    public static final int INBOUND_PORT_DEFAULT = 16001;

    /**
     * {@code --capture-ports} / {@code KOORD_CAPTURE_PORTS}, required: comma-separated TCP ports of the app
     * whose inbound connections are redirected to the inbound port, e.g. {@code 8080,8081}.
     */
    public static final String CAPTURE_PORTS_FLAG = "--capture-ports";

    public static final String CAPTURE_PORTS_ENV = "KOORD_CAPTURE_PORTS";

    /**
     * {@code --exclude-ports} / {@code KOORD_EXCLUDE_PORTS}, default none: comma-separated TCP ports that are
     * never captured, even when listed in the capture ports (e.g. the admin port 16000).
     */
    public static final String EXCLUDE_PORTS_FLAG = "--exclude-ports";

    public static final String EXCLUDE_PORTS_ENV = "KOORD_EXCLUDE_PORTS";

    /** {@code --iptables} / {@code KOORD_IPTABLES}, default {@code iptables}: the binary to run (name on PATH or path). */
    public static final String IPTABLES_FLAG = "--iptables";

    public static final String IPTABLES_ENV = "KOORD_IPTABLES";
    public static final String IPTABLES_DEFAULT = "iptables";

    /**
     * {@code --ip6tables} / {@code KOORD_IP6TABLES}, default derived from the iptables binary ({@code iptables}
     * gives {@code ip6tables}, {@code iptables-legacy} gives {@code ip6tables-legacy}, so both families use the
     * same backend): the binary for the IPv6 rules.
     */
    public static final String IP6TABLES_FLAG = "--ip6tables";

    public static final String IP6TABLES_ENV = "KOORD_IP6TABLES";

    /**
     * {@code --ipv6} / {@code KOORD_IPV6}, default {@code auto}: whether IPv6 is captured too, {@code auto},
     * {@code on} or {@code off} ({@link Ipv6Mode}).
     */
    public static final String IPV6_FLAG = "--ipv6";

    public static final String IPV6_ENV = "KOORD_IPV6";
    public static final Ipv6Mode IPV6_DEFAULT = Ipv6Mode.AUTO;

    /** {@code --dry-run} / {@code KOORD_DRY_RUN}, default false: print the commands, change nothing. */
    public static final String DRY_RUN_FLAG = "--dry-run";

    public static final String DRY_RUN_ENV = "KOORD_DRY_RUN";

    /** Exit code: the rules are in place (or were printed). */
    public static final int EXIT_OK = 0;
    /** Exit code: an iptables command failed. */
    public static final int EXIT_IPTABLES_FAILED = 1;
    /** Exit code: a flag or environment variable is invalid. */
    public static final int EXIT_BAD_CONFIG = 2;
    /**
     * Exit code: the iptables binary is missing, or the process may not change the nat table (for ip6tables: when
     * the IPv6 rules are required).
     */
    public static final int EXIT_IPTABLES_UNAVAILABLE = 3;

    private InitConfigKeys() {}
}
