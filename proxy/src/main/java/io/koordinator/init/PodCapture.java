package io.koordinator.init;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture of both address families: the IPv4 rules through iptables, always, then the same rules through
 * ip6tables as {@link Ipv6Mode} and the pod's {@link Ipv6Presence} decide. Each family is reconciled from its
 * own nat table ({@link InboundCapture}), so re-running is safe for both.
 *
 * <p>A pod that has an IPv6 address never ends up capturing IPv4 only without saying so: either the IPv6 rules
 * are in place, or init fails (the default), or {@code --ipv6 off} was asked for and is logged.
 */
public final class PodCapture {

    private static final Logger LOG = LoggerFactory.getLogger(PodCapture.class);

    /** What init does about IPv6. */
    enum Ipv6Step {
        /** Install the IPv6 rules; a failure fails init. */
        REQUIRED,
        /** Install the IPv6 rules if ip6tables can; a failure is a warning. */
        IF_POSSIBLE,
        /** Leave ip6tables alone. */
        SKIP
    }

    private final Function<String, Iptables> iptables;
    private final String id;

    /**
     * @param iptables makes the runner for a binary ({@link InitConfig#iptables()} or {@link InitConfig#ip6tables()})
     * @param id the log prefix, e.g. {@code init/kv-0}
     */
    public PodCapture(Function<String, Iptables> iptables, String id) {
        this.iptables = Objects.requireNonNull(iptables, "iptables");
        this.id = Objects.requireNonNull(id, "id");
    }

    /** The IPv6 step for a mode and what the pod has. Pure. */
    static Ipv6Step ipv6Step(Ipv6Mode mode, Ipv6Presence presence) {
        return switch (mode) {
            case ON -> Ipv6Step.REQUIRED;
            case OFF -> Ipv6Step.SKIP;
            case AUTO -> {
                if (!presence.addresses().isEmpty()) {
                    yield Ipv6Step.REQUIRED;
                }
                yield presence.linkLocal().isEmpty() ? Ipv6Step.SKIP : Ipv6Step.IF_POSSIBLE;
            }
        };
    }

    /**
     * Installs the capture for IPv4, then for IPv6 as decided by {@link #ipv6Step}.
     *
     * @return the commands run after each listing, IPv4's first, then IPv6's (if any)
     * @throws InitException if the IPv4 rules, or required IPv6 rules, cannot be installed
     */
    public List<List<String>> apply(InitConfig config, Ipv6Presence presence) throws InitException {
        List<List<String>> ran =
                new ArrayList<>(new InboundCapture(iptables.apply(config.iptables()), id).apply(config));
        switch (ipv6Step(config.ipv6(), presence)) {
            case SKIP -> {
                if (config.ipv6() == Ipv6Mode.OFF && !presence.addresses().isEmpty()) {
                    LOG.warn(
                            "{} IPv6 capture is off ({} {}) although the pod has {}: IPv6 connections to ports {} reach"
                                    + " the app without the proxy",
                            id,
                            InitConfigKeys.IPV6_FLAG,
                            Ipv6Mode.OFF.value(),
                            presence.describe(),
                            config.capturePorts());
                } else {
                    LOG.info("{} IPv6 is not captured: the pod has {}", id, presence.describe());
                }
            }
            case REQUIRED -> {
                try {
                    ran.addAll(new InboundCapture(iptables.apply(config.ip6tables()), id).apply(config));
                } catch (InitException e) {
                    throw new InitException(
                            e.exitCode(),
                            withoutPeriod(e.getMessage()) + " (IPv6: " + why(config, presence)
                                    + "; " + InitConfigKeys.IPV6_FLAG + " " + Ipv6Mode.OFF.value() + " ("
                                    + InitConfigKeys.IPV6_ENV + ") captures IPv4 only).");
                }
            }
            case IF_POSSIBLE -> {
                try {
                    ran.addAll(new InboundCapture(iptables.apply(config.ip6tables()), id).apply(config));
                } catch (InitException e) {
                    LOG.warn(
                            "{} IPv6 is not captured, the pod has {} and {} cannot set the rules: {}",
                            id,
                            presence.describe(),
                            config.ip6tables(),
                            e.getMessage());
                }
            }
        }
        return ran;
    }

    private static String why(InitConfig config, Ipv6Presence presence) {
        if (config.ipv6() == Ipv6Mode.ON) {
            return InitConfigKeys.IPV6_FLAG + " " + Ipv6Mode.ON.value() + " asks for the IPv6 rules, and the pod has "
                    + presence.describe();
        }
        return "the pod has " + presence.describe() + ", so without these rules IPv6 connections to ports "
                + config.capturePorts() + " would reach the app without the proxy";
    }

    private static String withoutPeriod(String sentence) {
        return sentence.endsWith(".") ? sentence.substring(0, sentence.length() - 1) : sentence;
    }
}
