package io.koordinator.proxy;

/** A setting has a bad value; the message is one sentence naming the flag and its variable. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
