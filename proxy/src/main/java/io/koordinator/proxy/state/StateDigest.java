package io.koordinator.proxy.state;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A replica's digest, chained over every delivered command: {@code d(n) = SHA-256(d(n-1) ||
 * position || status || body)}, starting from 32 zero bytes. Replicas that delivered the same
 * commands and got the same responses have the same digest at the same position; a mismatch is
 * divergence (a non-deterministic app, a corrupted replica).
 *
 * <p>Immutable; {@link #next} returns a new value.
 */
public final class StateDigest {
    public static final int LENGTH = 32;
    public static final StateDigest INITIAL = new StateDigest(new byte[LENGTH]);

    private final byte[] value;

    private StateDigest(byte[] value) {
        this.value = value;
    }

    public static StateDigest of(byte[] value) {
        if (value.length != LENGTH) {
            throw new IllegalArgumentException("a digest has " + LENGTH + " bytes, got " + value.length);
        }
        return new StateDigest(value.clone());
    }

    /** The digest after delivering the command at {@code position}, answered {@code status} {@code body}. */
    public StateDigest next(long position, int status, byte[] body) {
        MessageDigest sha = sha256();
        sha.update(value);
        sha.update(ByteBuffer.allocate(12).putLong(position).putInt(status).array());
        sha.update(body);
        return new StateDigest(sha.digest());
    }

    public byte[] bytes() {
        return value.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateDigest d && Arrays.equals(value, d.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return hex().substring(0, 16);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
