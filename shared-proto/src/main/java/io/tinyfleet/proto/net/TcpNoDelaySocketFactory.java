package io.tinyfleet.proto.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Plain TCP sockets with Nagle's algorithm off ({@code TCP_NODELAY}), for the MQTT clients of the
 * agent and the controller (Paho: {@code MqttConnectionOptions.setSocketFactory}).
 *
 * <p>Paho 1.2.5 leaves Nagle on. The OTA exchange is made of small writes that must leave at once
 * (a chunk request, a status, the PUBACK of a chunk), and with Nagle each of them waits for the ACK of
 * the previous one, which the peer's delayed-ACK timer holds back by up to 40 ms on Linux: the
 * first chunk request of a download reached the controller 81 ms after the agent sent it
 * (status, status, request: two delayed ACKs), and single requests mid-transfer took up to 57 ms.
 * The broker side already sets it (HiveMQ sets {@code TCP_NODELAY} on every connection).
 */
public final class TcpNoDelaySocketFactory extends SocketFactory {

    /** The one instance (stateless). */
    public static final TcpNoDelaySocketFactory INSTANCE = new TcpNoDelaySocketFactory();

    private TcpNoDelaySocketFactory() {
    }

    /**
     * The factory for an MQTT client of {@code brokerUrl}: this one for plain {@code tcp://}, null
     * (Paho's own choice) for any other scheme, since Paho refuses a non-SSL factory for
     * {@code ssl://} and has its own for WebSockets.
     */
    public static SocketFactory forBroker(String brokerUrl) {
        return brokerUrl != null && brokerUrl.startsWith("tcp://") ? INSTANCE : null;
    }

    @Override
    public Socket createSocket() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        return s;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket s = createSocket();
        if (local != null) {
            s.bind(local);
        }
        s.connect(remote);
        return s;
    }
}
