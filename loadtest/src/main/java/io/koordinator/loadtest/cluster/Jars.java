package io.koordinator.loadtest.cluster;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shaded jars are: {@code proxy/target/koordinator.jar} and {@code
 * loadtest/target/koordinator-loadtest.jar} of the source tree this code runs from (a jar in
 * {@code loadtest/target/} or the classes in {@code loadtest/target/classes}). The system
 * properties {@code koordinator.proxy.jar} and {@code koordinator.loadtest.jar} override them.
 *
 * @param proxy the proxy's shaded jar
 * @param loadtest this module's shaded jar
 */
public record Jars(Path proxy, Path loadtest) {

    public static Jars locate() {
        Path target = targetDir();
        Path repo = target.getParent().getParent();
        Path proxy = Path.of(System.getProperty(
                "koordinator.proxy.jar",
                repo.resolve("proxy/target/koordinator.jar").toString()));
        Path loadtest = Path.of(System.getProperty(
                "koordinator.loadtest.jar",
                repo.resolve("loadtest/target/koordinator-loadtest.jar").toString()));
        return new Jars(proxy, loadtest);
    }

    /** Fails with a sentence naming the missing jar. */
    public Jars requireExisting() {
        for (Path p : new Path[] {proxy, loadtest}) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException(p + " is missing; build with: mvn -B -ntp -DskipTests package");
            }
        }
        return this;
    }

    private static Path targetDir() {
        try {
            Path code = Path.of(Jars.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toAbsolutePath();
            // .../loadtest/target/koordinator-loadtest.jar or .../loadtest/target/classes
            return code.getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the code of " + Jars.class, e);
        }
    }
}
