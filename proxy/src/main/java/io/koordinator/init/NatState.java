package io.koordinator.init;

import static io.koordinator.init.InboundRules.INBOUND_CHAIN;
import static io.koordinator.init.InboundRules.PREROUTING_JUMP;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code iptables -t nat -S} shows that matters to the reconciliation.
 *
 * @param chains the user-defined chains of the nat table ({@code -N} lines)
 * @param preroutingJumps how many PREROUTING rules are exactly our jump ({@link InboundRules#PREROUTING_JUMP})
 * @param stalePreroutingJumps specs of other PREROUTING rules that jump to our chain (an older layout), to delete
 */
public record NatState(Set<String> chains, int preroutingJumps, List<List<String>> stalePreroutingJumps) {

    /** A network namespace nobody has touched. */
    public static final NatState EMPTY = new NatState(Set.of(), 0, List.of());

    public NatState {
        chains = Set.copyOf(chains);
        stalePreroutingJumps = List.copyOf(stalePreroutingJumps);
    }

    /** Parses the output of {@code iptables -t nat -S}. */
    public static NatState parse(String listing) {
        Set<String> chains = new LinkedHashSet<>();
        int jumps = 0;
        List<List<String>> stale = new ArrayList<>();
        for (String line : listing.lines().map(String::strip).toList()) {
            List<String> tokens = Arrays.asList(line.split("\\s+"));
            if (tokens.size() == 2 && tokens.get(0).equals("-N")) {
                chains.add(tokens.get(1));
            } else if (tokens.size() > 2
                    && tokens.get(0).equals("-A")
                    && tokens.get(1).equals("PREROUTING")) {
                List<String> spec = tokens.subList(2, tokens.size());
                if (spec.equals(PREROUTING_JUMP)) {
                    jumps++;
                } else if (jumpsTo(spec, INBOUND_CHAIN)) {
                    stale.add(List.copyOf(spec));
                }
            }
        }
        return new NatState(chains, jumps, stale);
    }

    private static boolean jumpsTo(List<String> spec, String chain) {
        int j = spec.indexOf("-j");
        return j >= 0 && j + 1 < spec.size() && spec.get(j + 1).equals(chain);
    }
}
