package io.koordinator.loadtest.pod;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command lines of the project's real programs, as a pod runs them. */
final class PodProcesses {

    /** Small heaps and quick start-up: up to seven JVMs share two cores in these tests. */
    static final List<String> CHILD_JVM_FLAGS =
            List.of("-Xmx160m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private PodProcesses() {}

    /** {@code proxy/target/koordinator.jar}, built by the reactor's package phase before this module's ITs. */
    static Path proxyJar() {
        return jar(Path.of("..", "proxy", "target", "koordinator.jar"));
    }

    /** {@code loadtest/target/koordinator-loadtest.jar} (the kv app, the local ZooKeeper quorum). */
    static Path loadtestJar() {
        return jar(Path.of("target", "koordinator-loadtest.jar"));
    }

    private static Path jar(Path relative) {
        Path jar = relative.toAbsolutePath().normalize();
        assertThat(Files.isRegularFile(jar))
                .as("%s is missing: build it first (mvn -B -ntp package -DskipTests)", jar)
                .isTrue();
        return jar;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java <flags> -jar jar args...} */
    static List<String> javaJar(Path jar, String... args) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(CHILD_JVM_FLAGS);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        return command;
    }

    /** {@code java <flags> -cp <test classes> mainClass args...} */
    static List<String> javaMain(Class<?> mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(CHILD_JVM_FLAGS);
        command.add("-cp");
        command.add(Path.of(mainClass
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .getPath())
                .toString());
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return command;
    }
}
