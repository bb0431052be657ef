package io.koordinator;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in flags, environment variables, annotations and config files, everywhere in
 * Koordinator: a non-negative integer and one unit, {@code ms}, {@code s}, {@code m} or {@code h} ({@code 2ms},
 * {@code 30s}, {@code 5m}), or a bare {@code 0}. The injector checks annotation values with this parser and
 * passes them to the proxy verbatim, so what one accepts the other reads alike.
 */
public final class Durations {

    private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private Durations() {}

    /** Parses {@code text}, or throws {@link IllegalArgumentException} saying what the form is. */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a duration (an integer and one of ms, s, m, h, like 2ms or 30s)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** The shortest text {@link #parse} reads back as {@code d} (whole milliseconds). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
