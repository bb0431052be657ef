package io.koordinator.init;

/** A failure of {@code init} that ends the command with one sentence and a distinct exit code. */
public final class InitException extends Exception {

    private final int exitCode;

    public InitException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** One of the {@code EXIT_*} codes of {@link InitConfigKeys}. */
    public int exitCode() {
        return exitCode;
    }
}
