package io.koordinator.sequencer;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random secrets for a group (state-transfer tokens). */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {}

    /** 32 random bytes, hex. */
    public static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
