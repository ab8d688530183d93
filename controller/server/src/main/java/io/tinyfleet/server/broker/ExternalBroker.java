package io.tinyfleet.server.broker;

/** A broker run elsewhere (Mosquitto, EMQX, a HiveMQ cluster): only its URL. */
public final class ExternalBroker implements Broker {

    private final String url;

    /** @param url {@code tcp://host:port} */
    public ExternalBroker(String url) {
        this.url = url;
    }

    @Override
    public String url() {
        return url;
    }

    @Override
    public boolean embedded() {
        return false;
    }

    @Override
    public void close() {
    }
}
