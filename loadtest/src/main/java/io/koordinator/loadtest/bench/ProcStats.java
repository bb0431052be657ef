package io.koordinator.loadtest.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A process's own CPU time and resident memory, read from Linux's {@code /proc/<pid>/stat}
 * (fields 14 and 15, {@code utime} and {@code stime}, in clock ticks) and {@code
 * /proc/<pid>/status} ({@code VmRSS}, in kB), and the share of the JIT compiler's threads ({@code
 * /proc/<pid>/task/<tid>/stat} of the threads named {@code C1 CompilerThre...} and {@code C2
 * CompilerThre...}), which in a run of a minute or two is much of a JVM's CPU. See proc(5).
 *
 * @param cpuSeconds user plus system CPU time since the process started
 * @param jitSeconds the part of it spent by the JIT compiler's threads (those still alive)
 * @param rssBytes resident set size now
 */
record ProcStats(double cpuSeconds, double jitSeconds, long rssBytes) {
    private static final long TICKS_PER_SECOND = clockTicks();

    static ProcStats of(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        return new ProcStats(
                cpuSeconds(stat),
                jitSeconds(pid),
                rssBytes(Files.readString(Path.of("/proc", Long.toString(pid), "status"))));
    }

    private static double jitSeconds(long pid) throws IOException {
        double sum = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                    if (isCompilerThread(stat)) {
                        sum += cpuSeconds(stat);
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return sum;
    }

    /** True for a HotSpot JIT compiler thread ({@code C1 CompilerThread0}, cut to 15 characters). */
    static boolean isCompilerThread(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String name = open < 0 || close < open ? "" : stat.substring(open + 1, close);
        return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
    }

    /** utime + stime of a {@code /proc/<pid>/stat} line, in seconds. */
    static double cpuSeconds(String stat) {
        // The command name (field 2) is in parentheses and may hold spaces: count from after it.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state), so utime (14) is f[11] and stime (15) is f[12].
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) TICKS_PER_SECOND;
    }

    /** VmRSS of a {@code /proc/<pid>/status} text, in bytes. */
    static long rssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
            }
        }
        throw new IllegalArgumentException("no VmRSS line in /proc/<pid>/status");
    }

    /** {@code getconf CLK_TCK}; 100, the value on every common Linux build, if that fails. */
    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
