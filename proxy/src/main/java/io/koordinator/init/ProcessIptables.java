package io.koordinator.init;

import static io.koordinator.init.InitConfigKeys.EXIT_IPTABLES_FAILED;
import static io.koordinator.init.InitConfigKeys.EXIT_IPTABLES_UNAVAILABLE;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@link Iptables} as a child process: one {@link ProcessBuilder} per command, with a deadline. */
public final class ProcessIptables implements Iptables {

    /** iptables waits up to 5 s for the xtables lock ({@code -w 5}); this bounds everything else. */
    private static final long TIMEOUT_SECONDS = 30;

    private final String binary;

    public ProcessIptables(String binary) {
        this.binary = Objects.requireNonNull(binary, "binary");
    }

    @Override
    public String binary() {
        return binary;
    }

    @Override
    public Result run(List<String> args) throws InitException {
        List<String> command = new ArrayList<>(args.size() + 1);
        command.add(binary);
        command.addAll(args);
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectInput(new File("/dev/null"))
                    .start();
        } catch (IOException e) {
            String reason = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
            throw new InitException(
                    EXIT_IPTABLES_UNAVAILABLE,
                    "The iptables binary '" + binary + "' cannot be run (" + reason
                            + "): the init container needs " + binary
                            + " on its PATH, as the koordinator image has (package iptables).");
        }
        // stderr is drained beside stdout so that neither pipe can fill up and stall the child.
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        String stdout = read(process.getInputStream());
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new InitException(
                        EXIT_IPTABLES_FAILED,
                        "'" + binary + " " + String.join(" ", args) + "' did not finish within " + TIMEOUT_SECONDS
                                + " s.");
            }
            return new Result(process.exitValue(), stdout, stderr.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InitException(EXIT_IPTABLES_FAILED, "Interrupted while running " + binary + ".");
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
