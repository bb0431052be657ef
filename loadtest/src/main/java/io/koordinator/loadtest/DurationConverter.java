package io.koordinator.loadtest;

import io.koordinator.Durations;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Durations on the load tools' command lines, in the form every Koordinator command reads ({@link
 * Durations}), plus a bare number of seconds ({@code --duration 60}), as {@link
 * LoadtestConfigKeys} says.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        if (value != null && value.matches("[0-9]{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** The short form: {@code 250ms}, {@code 20s}, {@code 2m}. */
    public static String format(Duration d) {
        return Durations.format(d);
    }
}
