package io.koordinator.loadtest.check;

import java.util.List;

/**
 * The checker's verdict.
 *
 * @param replicas number of replicas compared
 * @param digest the common digest, or null if they differ
 * @param applied the common applied count, or -1 if they differ
 * @param acknowledgedChecked acknowledged writes verified present
 * @param problems one line per violation, empty if consistent
 */
public record CheckReport(int replicas, String digest, long applied, long acknowledgedChecked, List<String> problems) {
    /** Problems listed in {@link #summaryLine()} at most. */
    private static final int SHOWN = 3;

    public CheckReport {
        problems = List.copyOf(problems);
    }

    public boolean ok() {
        return problems.isEmpty();
    }

    /**
     * {@code replicas: N identical digest=<hex> applied=<n>} if every check passed, else {@code
     * replicas: DIVERGED <the first problems>}.
     */
    public String summaryLine() {
        if (ok()) {
            return "replicas: " + replicas + " identical digest=" + digest + " applied=" + applied;
        }
        StringBuilder sb = new StringBuilder("replicas: DIVERGED ");
        sb.append(String.join("; ", problems.subList(0, Math.min(SHOWN, problems.size()))));
        if (problems.size() > SHOWN) {
            sb.append("; and ").append(problems.size() - SHOWN).append(" more");
        }
        return sb.toString();
    }
}
