package io.tinyfleet.proto.net;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class TcpNoDelaySocketFactoryTest {

    @Test
    void everySocket_hasNagleOff_connectedOrNot() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Socket unconnected = TcpNoDelaySocketFactory.INSTANCE.createSocket();
             Socket byName = TcpNoDelaySocketFactory.INSTANCE.createSocket("127.0.0.1", server.getLocalPort());
             Socket byAddress = TcpNoDelaySocketFactory.INSTANCE.createSocket(InetAddress.getLoopbackAddress(),
                     server.getLocalPort())) {
            assertTrue(unconnected.getTcpNoDelay());
            assertTrue(byName.isConnected() && byName.getTcpNoDelay());
            assertTrue(byAddress.isConnected() && byAddress.getTcpNoDelay());
        }
    }

    @Test
    void onlyPlainTcpBrokersGetIt_sslAndWebSocketsKeepPahosFactory() {
        assertSame(TcpNoDelaySocketFactory.INSTANCE, TcpNoDelaySocketFactory.forBroker("tcp://127.0.0.1:1883"));
        assertNull(TcpNoDelaySocketFactory.forBroker("ssl://broker.example:8883"));
        assertNull(TcpNoDelaySocketFactory.forBroker("ws://broker.example:8000"));
    }
}
