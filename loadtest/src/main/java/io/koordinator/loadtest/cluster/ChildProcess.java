package io.koordinator.loadtest.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child JVM (or any command) whose output is kept in memory: stdout lines go to a queue the
 * owner can wait on, the last lines of stderr are kept for error reports. Nothing is written to
 * disk unless {@link #copyStderrTo} names a directory. {@link #close()} stops it with SIGTERM,
 * then SIGKILL after a grace period, together with its descendants.
 */
public final class ChildProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
    private static final int KEPT_LINES = 200;
    private static final AtomicInteger STARTED = new AtomicInteger();
    private static volatile Path stderrCopies;

    private final String name;
    private final Process process;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    // Guarded by itself.
    private final Deque<String> stderrTail = new ArrayDeque<>();
    // Written by the stderr thread alone.
    private boolean copyFailed;

    private ChildProcess(String name, Process process, Writer copy) {
        this.name = name;
        this.process = process;
        pump(process.getInputStream(), line -> stdout.add(line), name + "-stdout", null);
        pump(
                process.getErrorStream(),
                line -> {
                    synchronized (stderrTail) {
                        if (stderrTail.size() == KEPT_LINES) {
                            stderrTail.removeFirst();
                        }
                        stderrTail.addLast(line);
                    }
                    if (copy != null && !copyFailed) {
                        try {
                            copy.write(line);
                            copy.write('\n');
                            copy.flush(); // whole lines on disk while the run goes on
                        } catch (IOException e) {
                            copyFailed = true; // the child's stderr is still read, no longer copied
                        }
                    }
                },
                name + "-stderr",
                copy);
    }

    /**
     * Copies the stderr of every child started from now on to {@code directory}, a file for each
     * ({@code <n>-<name>.log}, {@code n} counting the children this JVM started, so that a name used
     * again gets a file of its own); null stops it. For finding what a run's tail lined up with.
     */
    public static void copyStderrTo(Path directory) throws IOException {
        if (directory != null) {
            Files.createDirectories(directory);
        }
        stderrCopies = directory;
    }

    /** Starts {@code command}; {@code name} prefixes its log lines. */
    public static ChildProcess start(String name, List<String> command) throws IOException {
        log.debug("{} starting: {}", name, String.join(" ", command));
        ProcessBuilder pb = new ProcessBuilder(command);
        Path copies = stderrCopies;
        Writer copy = copies == null
                ? null
                : Files.newBufferedWriter(
                        copies.resolve(String.format("%02d-%s.log", STARTED.incrementAndGet(), name)));
        try {
            return new ChildProcess(name, pb.start(), copy);
        } catch (IOException | RuntimeException e) {
            if (copy != null) {
                copy.close();
            }
            throw e;
        }
    }

    /** {@code java <jvmOptions> -jar <jar> <args>} with the JVM running this code. */
    public static ChildProcess java(String name, List<String> jvmOptions, String jar, List<String> args)
            throws IOException {
        return java(name, List.of(), jvmOptions, jar, args);
    }

    /**
     * The same after {@code prefix}, a command that execs the rest (e.g. {@code ip netns exec
     * <ns>}), so that this process is still the JVM itself and signals reach it.
     */
    public static ChildProcess java(
            String name, List<String> prefix, List<String> jvmOptions, String jar, List<String> args)
            throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar);
        cmd.addAll(args);
        return start(name, cmd);
    }

    private interface LineSink {
        void accept(String line);
    }

    /**
     * Reads {@code in} line by line into {@code sink} on a thread of its own; closes {@code copy},
     * if any, at the end.
     */
    private static void pump(java.io.InputStream in, LineSink sink, String threadName, Writer copy) {
        Thread t = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                            copy) {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            sink.accept(line);
                        }
                    } catch (IOException e) {
                        // the process ended
                    }
                },
                threadName);
        t.setDaemon(true);
        t.start();
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The next stdout line, or null after {@code timeout} or if the process ended first. */
    public String awaitLine(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = stdout.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                return line;
            }
            if (!process.isAlive() && stdout.isEmpty()) {
                return null;
            }
        }
        return null;
    }

    /** The last lines the process wrote to stderr. */
    public List<String> stderrTail() {
        synchronized (stderrTail) {
            return new ArrayList<>(stderrTail);
        }
    }

    /** Waits up to {@code timeout} for the process to end; its exit code, or -1 if still running. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return exitCode();
    }

    /** Exit code, or -1 if still running. */
    public int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** SIGKILL, at once, as a crash would (descendants too). */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Sends {@code signal} ({@code STOP}, {@code CONT}, ...) to the process alone with {@code
     * kill(1)}, which Java's process API cannot do.
     */
    public void signal(String signal) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true)
                .start();
        if (!k.waitFor(10, TimeUnit.SECONDS)) {
            k.destroyForcibly();
            throw new IOException("kill -" + signal + " " + process.pid() + " did not finish");
        }
        if (k.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed: "
                    + new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    /** SIGTERM, then SIGKILL after 10 s. Idempotent, never throws. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                log.warn("{} did not stop within 10s of SIGTERM; killing it", name);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public String toString() {
        return name + "(pid " + process.pid() + ")";
    }
}
