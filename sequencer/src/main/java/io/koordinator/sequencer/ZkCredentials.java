package io.koordinator.sequencer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A group's ZooKeeper digest credentials ({@code user:password}): the proxies of a group
 * authenticate with them, and every znode of the group's subtree is created readable and writable
 * by them only ({@code CREATOR_ALL_ACL}). {@link #toString()} never shows the password.
 *
 * @param user the digest user, non-empty, no {@code ':'}
 * @param password the password, non-empty
 */
public record ZkCredentials(String user, String password) {
    public ZkCredentials {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (user.isEmpty() || user.contains(":") || password.isEmpty()) {
            throw new IllegalArgumentException("ZooKeeper credentials must be 'user:password', both non-empty");
        }
    }

    /** Parses {@code user:password} (surrounding white space ignored). */
    public static ZkCredentials parse(String text) {
        String t = text.strip();
        int colon = t.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("ZooKeeper credentials must be 'user:password', both non-empty");
        }
        return new ZkCredentials(t.substring(0, colon), t.substring(colon + 1));
    }

    /** Reads {@code user:password} from {@code file} (a mounted Secret key). */
    public static ZkCredentials read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** New credentials for {@code user} with a random password (local runs and tests). */
    public static ZkCredentials generate(String user) {
        return new ZkCredentials(user, Secrets.random());
    }

    /** {@code user:password}, as a credentials file holds it. */
    public String text() {
        return user + ":" + password;
    }

    /** The bytes of ZooKeeper's {@code addauth digest user:password}. */
    public byte[] authBytes() {
        return text().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "digest user " + user;
    }
}
