package dev.agentsandbox.proxy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** What the proxy tests share: a request as the agent sends it over the socket, and a listener that keeps the events. */
final class ProxyCalls {
    private ProxyCalls() {
    }

    /** One request over the proxy's socket; the whole raw answer. */
    static String call(Path socket, String path, String body, String... headers) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(ch);
            InputStream in = Channels.newInputStream(ch);
            ModelProxyTest.send(out, "POST", path, body, headers);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static ProxyListener recording(List<ProxyEvent> events) {
        return new ProxyListener() {
            @Override
            public void onRequest(ProxyEvent event) {
                events.add(event);
            }

            @Override
            public void onBudgetExceeded(String reason) {
            }
        };
    }
}
