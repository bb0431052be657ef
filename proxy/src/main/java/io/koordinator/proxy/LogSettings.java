package io.koordinator.proxy;

import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;

/**
 * Applies {@code --log-format} and {@code --access-log} to the one Log4j2 configuration of the jar
 * ({@code log4j2.xml}), which every logger in the process uses, ZooKeeper's and Curator's included.
 * The configuration reads two system properties, set here before it is loaded again; without them
 * it falls back to {@code KOORD_LOG_FORMAT} (so the other subcommands follow the variable too).
 */
final class LogSettings {
    static final String FORMAT_PROPERTY = "koordinator.log.format";
    static final String ACCESS_PROPERTY = "koordinator.log.access";

    private LogSettings() {}

    /** Sets the format and the access log, reloading the configuration if either changed. */
    static void apply(ProxyConfig.LogFormat format, boolean accessLog) {
        String f = format.name().toLowerCase(Locale.ROOT);
        String a = accessLog ? "INFO" : "OFF";
        if (f.equals(System.getProperty(FORMAT_PROPERTY)) && a.equals(System.getProperty(ACCESS_PROPERTY))) {
            return;
        }
        System.setProperty(FORMAT_PROPERTY, f);
        System.setProperty(ACCESS_PROPERTY, a);
        if (LogManager.getContext(false) instanceof LoggerContext context) {
            context.reconfigure();
        }
    }
}
