package io.koordinator.init;

import java.util.Locale;

/**
 * Whether {@code init} installs the capture for IPv6 too ({@code --ipv6} / {@code KOORD_IPV6}). The IPv4 rules
 * are always installed; IPv6 gets the same chains and rules through ip6tables.
 */
public enum Ipv6Mode {

    /**
     * The default: decided by the addresses the pod has ({@link Ipv6Presence}). With an IPv6 address beyond
     * loopback and link-local (a dual-stack or IPv6 pod), the IPv6 rules are required and init fails without
     * them. With only link-local addresses they are installed if ip6tables can, else a warning is logged. With
     * no IPv6 at all (disabled, or no kernel support) they are skipped.
     */
    AUTO,

    /** Always install the IPv6 rules; init fails if it cannot. */
    ON,

    /** IPv4 only: IPv6 connections to the app ports reach the app without the proxy. */
    OFF;

    /** The value as written in flags and variables. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code auto}, {@code on} or {@code off} (any case; {@code true} and {@code false} are accepted as
     * {@code on} and {@code off}).
     *
     * @throws InitException with {@link InitConfigKeys#EXIT_BAD_CONFIG} naming {@code key}
     */
    static Ipv6Mode parse(String value, String key) throws InitException {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "on", "true" -> ON;
            case "off", "false" -> OFF;
            default ->
                throw new InitException(
                        InitConfigKeys.EXIT_BAD_CONFIG, key + " '" + value.trim() + "' is not one of auto, on, off.");
        };
    }
}
