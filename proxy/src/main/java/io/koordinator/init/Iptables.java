package io.koordinator.init;

import java.util.List;

/**
 * Runs the iptables binary. The seam between the rule logic and the processes it starts, so the exact
 * command list can be checked without root; the real binary runs behind {@link ProcessIptables}.
 */
public interface Iptables {

    /** The binary, as it appears in messages and in the dry-run output. */
    String binary();

    /**
     * Runs {@code binary args...} to completion.
     *
     * @return the exit code and output; a non-zero exit code is returned, not thrown
     * @throws InitException with {@link InitConfigKeys#EXIT_IPTABLES_UNAVAILABLE} if the binary cannot be started
     */
    Result run(List<String> args) throws InitException;

    /** What one iptables process did. */
    record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The first non-blank line of stderr, for one-line messages. */
        public String firstErrorLine() {
            return stderr.lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty())
                    .findFirst()
                    .orElse("no message");
        }
    }
}
