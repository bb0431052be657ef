package io.koordinator.proxy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects what the named loggers log at {@code level} and above, for tests that must fail on a
 * log line: Netty's leak reports ({@code io.netty.util.ResourceLeakDetector}, "LEAK: ...") and a
 * handler's "failed" line. {@link #close()} removes the loggers again.
 */
final class LogCapture extends AbstractAppender implements AutoCloseable {
    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final List<String> loggers;

    private LogCapture(List<String> loggers) {
        super("capture-" + System.identityHashCode(loggers), null, null, true, Property.EMPTY_ARRAY);
        this.loggers = loggers;
    }

    static LogCapture of(Level level, String... loggers) {
        LogCapture capture = new LogCapture(List.of(loggers));
        capture.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        config.addAppender(capture);
        for (String name : loggers) {
            LoggerConfig logger = new LoggerConfig(name, level, true);
            logger.addAppender(capture, level, null);
            config.addLogger(name, logger);
        }
        context.updateLoggers();
        return capture;
    }

    @Override
    public void append(LogEvent event) {
        events.add(event.toImmutable());
    }

    /** Each captured line: logger, level, message and the throwable, if any. */
    List<String> lines() {
        return events.stream()
                .map(e -> e.getLoggerName() + " " + e.getLevel() + " "
                        + e.getMessage().getFormattedMessage()
                        + (e.getThrown() == null ? "" : " " + e.getThrown()))
                .toList();
    }

    void clear() {
        events.clear();
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        loggers.forEach(config::removeLogger);
        context.updateLoggers();
        stop();
    }
}
