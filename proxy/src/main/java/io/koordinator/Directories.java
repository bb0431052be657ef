package io.koordinator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directory trees Koordinator's own processes create and remove (temporary state, local test servers). */
public final class Directories {
    private Directories() {}

    /**
     * Deletes {@code dir} and everything below it, as much of it as can be deleted; never throws.
     *
     * @return true if nothing of it is left (also when it did not exist)
     */
    public static boolean deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // what could not be listed stays; the answer below says so
        }
        return !Files.exists(dir);
    }
}
