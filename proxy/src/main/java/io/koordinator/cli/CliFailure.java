package io.koordinator.cli;

/**
 * A failure the operator CLI reports as one sentence on stderr with its own exit status.
 *
 * <table>
 *   <caption>exit statuses</caption>
 *   <tr><th>status</th><th>when</th></tr>
 *   <tr><td>0</td><td>done</td></tr>
 *   <tr><td>1</td><td>anything else (the sentence says what)</td></tr>
 *   <tr><td>2</td><td>a bad flag or value</td></tr>
 *   <tr><td>3</td><td>ZooKeeper unreachable within {@code --connect-timeout}</td></tr>
 *   <tr><td>4</td><td>no such group</td></tr>
 *   <tr><td>5</td><td>ZooKeeper refused the credentials (or their absence)</td></tr>
 * </table>
 */
final class CliFailure extends Exception {
    static final int OTHER = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;
    static final int UNKNOWN_GROUP = 4;
    static final int ACCESS_REFUSED = 5;

    private final int exitCode;

    CliFailure(int exitCode, String sentence) {
        super(sentence);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
