package io.koordinator.proxy;

import java.util.Locale;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Applies {@code --log-format} and {@code --access-log} to the one Log4j2 configuration of the jar
 * ({@code log4j2.xml}), which every logger in the process uses, ZooKeeper's and Curator's included.
 * The configuration builds the appenders of the format in one system property; {@link
 * #fromEnvironment} sets it from {@code KOORD_LOG_FORMAT} before the first logger (so every
 * subcommand follows the variable), and {@link #apply} loads the configuration again only when
 * the flag chose another format: Log4j is initialised once on a default start.
 */
public final class LogSettings {
    static final String FORMAT_PROPERTY = "koordinator.log.format";
    static final String ACCESS_PROPERTY = "koordinator.log.access";
    static final String ACCESS_LOGGER = "koordinator.access";
    private static final String FORMAT_VARIABLE = "KOORD_LOG_FORMAT";

    private LogSettings() {}

    /**
     * Sets the format's property from {@code KOORD_LOG_FORMAT}, lower-cased, unless it is set. Call
     * before anything logs: the configuration reads it once, when the first logger is made.
     */
    public static void fromEnvironment() {
        String v = System.getenv(FORMAT_VARIABLE);
        if (v != null && !v.isBlank() && System.getProperty(FORMAT_PROPERTY) == null) {
            System.setProperty(FORMAT_PROPERTY, v.strip().toLowerCase(Locale.ROOT));
        }
    }

    /** Sets the format and the access log, reloading the configuration only if the format changed. */
    static void apply(ProxyConfig.LogFormat format, boolean accessLog) {
        String f = format.name().toLowerCase(Locale.ROOT);
        String a = accessLog ? "INFO" : "OFF";
        // what the configuration was built with: the property, else its default (text)
        boolean formatChanged = !f.equals(System.getProperty(FORMAT_PROPERTY, "text"));
        boolean accessChanged = !a.equals(System.getProperty(ACCESS_PROPERTY, "OFF"));
        System.setProperty(FORMAT_PROPERTY, f);
        System.setProperty(ACCESS_PROPERTY, a);
        if (formatChanged) {
            if (LogManager.getContext(false) instanceof LoggerContext context) {
                context.reconfigure(); // reads both properties
            }
        } else if (accessChanged) {
            Configurator.setLevel(ACCESS_LOGGER, Level.toLevel(a));
        }
    }
}
