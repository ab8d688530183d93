package io.tinyfleet.server.broker;

/** The MQTT broker the fleet uses, as the controller sees it. */
public interface Broker extends AutoCloseable {

    /** URL clients connect to, e.g. {@code tcp://127.0.0.1:1883}. */
    String url();

    /** Whether this process runs the broker (and so can stop or restart it). */
    boolean embedded();

    /** Stops the broker if this process runs it; nothing for an external one. */
    @Override
    void close();
}
