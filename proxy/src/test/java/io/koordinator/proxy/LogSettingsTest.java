package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The flags reach the running configuration, and a start on the default format loads it once: the
 * access log's level is set in place, only another format loads it again.
 */
class LogSettingsTest {

    @AfterEach
    void restore() {
        System.clearProperty(LogSettings.FORMAT_PROPERTY);
        System.clearProperty(LogSettings.ACCESS_PROPERTY);
        context().reconfigure();
    }

    @Test
    void theAccessLogIsSwitchedInPlaceAndOnlyAnotherFormatReloads() {
        Configuration loaded = context().getConfiguration();

        LogSettings.apply(ProxyConfig.LogFormat.TEXT, true);
        assertThat(context().getConfiguration()).isSameAs(loaded);
        assertThat(LogManager.getLogger(LogSettings.ACCESS_LOGGER).isInfoEnabled())
                .isTrue();

        LogSettings.apply(ProxyConfig.LogFormat.TEXT, false);
        assertThat(context().getConfiguration()).isSameAs(loaded);
        assertThat(LogManager.getLogger(LogSettings.ACCESS_LOGGER).isInfoEnabled())
                .isFalse();

        LogSettings.apply(ProxyConfig.LogFormat.JSON, true);
        assertThat(context().getConfiguration()).isNotSameAs(loaded);
        assertThat(System.getProperty(LogSettings.FORMAT_PROPERTY)).isEqualTo("json");
    }

    private static LoggerContext context() {
        return (LoggerContext) LogManager.getContext(false);
    }
}
