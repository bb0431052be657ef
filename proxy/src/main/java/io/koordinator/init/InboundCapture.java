package io.koordinator.init;

import static io.koordinator.init.InitConfigKeys.EXIT_IPTABLES_FAILED;
import static io.koordinator.init.InitConfigKeys.EXIT_IPTABLES_UNAVAILABLE;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the inbound capture of one address family: reads the nat table of the binary it is given
 * ({@code iptables} for IPv4, {@code ip6tables} for IPv6; the rules are the same), runs the reconciling
 * commands of {@link InboundRules} one by one, and stops at the first failure with one sentence.
 */
public final class InboundCapture {

    private static final Logger LOG = LoggerFactory.getLogger(InboundCapture.class);

    private final Iptables iptables;
    private final String id;

    /**
     * @param iptables runs the commands
     * @param id the log prefix, e.g. {@code init/kv-0}
     */
    public InboundCapture(Iptables iptables, String id) {
        this.iptables = Objects.requireNonNull(iptables, "iptables");
        this.id = Objects.requireNonNull(id, "id");
    }

    /**
     * Brings the nat table to the capture layout for {@code config}.
     *
     * @return the commands that were run after the listing, in order
     * @throws InitException if iptables is missing or not permitted, or a command fails
     */
    public List<List<String>> apply(InitConfig config) throws InitException {
        List<String> list = InboundRules.listCommand();
        Iptables.Result listing = iptables.run(list);
        if (!listing.ok()) {
            throw failure(list, listing);
        }
        NatState state = NatState.parse(listing.stdout());
        LOG.info(
                "{} {} nat table has chains {} and {} PREROUTING jump(s) to {}",
                id,
                iptables.binary(),
                state.chains(),
                state.preroutingJumps(),
                InboundRules.INBOUND_CHAIN);
        List<List<String>> ran = new ArrayList<>();
        for (List<String> command : InboundRules.reconcile(config, state)) {
            LOG.info("{} {}", id, InboundRules.render(iptables.binary(), command));
            Iptables.Result result = iptables.run(command);
            if (!result.ok() && isCreate(command) && result.stderr().contains("already exists")) {
                // Another run created the chain between our listing and now: reconcile it like an existing one.
                List<String> flush = InboundRules.command("-F", command.get(command.size() - 1));
                LOG.info(
                        "{} chain appeared meanwhile, flushing it: {}",
                        id,
                        InboundRules.render(iptables.binary(), flush));
                ran.add(command);
                command = flush;
                result = iptables.run(flush);
            }
            if (!result.ok()) {
                throw failure(command, result);
            }
            ran.add(command);
        }
        LOG.info(
                "{} {}: inbound TCP to ports {} is redirected to port {}; ports {} and {} are not captured",
                id,
                iptables.binary(),
                config.capturePorts(),
                config.inboundPort(),
                config.inboundPort(),
                config.excludePorts());
        return ran;
    }

    private static boolean isCreate(List<String> command) {
        return command.size() == InboundRules.PREFIX.size() + 2
                && command.get(InboundRules.PREFIX.size()).equals("-N");
    }

    private InitException failure(List<String> command, Iptables.Result result) {
        String line = result.firstErrorLine();
        if (notPermitted(result)) {
            return new InitException(
                    EXIT_IPTABLES_UNAVAILABLE,
                    iptables.binary() + " may not change the nat table here (" + line
                            + "): run init as root with the NET_ADMIN and NET_RAW capabilities.");
        }
        return new InitException(
                EXIT_IPTABLES_FAILED,
                "'" + InboundRules.render(iptables.binary(), command) + "' failed with exit code " + result.exitCode()
                        + ": " + line);
    }

    private static boolean notPermitted(Iptables.Result result) {
        String err = result.stderr();
        return err.contains("Permission denied")
                || err.contains("Operation not permitted")
                || err.contains("must be root");
    }
}
