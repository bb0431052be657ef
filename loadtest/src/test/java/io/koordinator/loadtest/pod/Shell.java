package io.koordinator.loadtest.pod;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short host commands ({@code ip}, {@code iptables}) to completion. */
final class Shell {

    /** What one command did. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        /** This result, or an error naming the command and its stderr. */
        Result orThrow() {
            if (!ok()) {
                throw new IllegalStateException("'" + String.join(" ", command) + "' failed with exit code " + exitCode
                        + ": " + stderr.strip());
            }
            return this;
        }
    }

    private Shell() {}

    static Result run(String... command) {
        return run(List.of(command));
    }

    static Result run(List<String> command) {
        try {
            File out = File.createTempFile("shell", ".out");
            File err = File.createTempFile("shell", ".err");
            try {
                Process process = new ProcessBuilder(command)
                        .redirectInput(new File("/dev/null"))
                        .redirectOutput(out)
                        .redirectError(err)
                        .start();
                if (!process.waitFor(120, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("'" + String.join(" ", command) + "' did not finish in 120 s");
                }
                return new Result(
                        List.copyOf(command),
                        process.exitValue(),
                        Files.readString(out.toPath(), StandardCharsets.UTF_8),
                        Files.readString(err.toPath(), StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out.toPath());
                Files.deleteIfExists(err.toPath());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    /** True if {@code binary} is an executable on PATH. */
    static boolean onPath(String binary) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (new File(dir, binary).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
