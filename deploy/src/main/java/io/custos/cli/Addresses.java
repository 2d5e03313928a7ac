package io.custos.cli;

import java.net.InetSocketAddress;

final class Addresses {
    private Addresses() {}

    /** The host a client on this machine can dial: the loopback address when bound to every interface. */
    static String clientHost(InetSocketAddress address) {
        if (address.getAddress() != null && address.getAddress().isAnyLocalAddress()) {
            return "127.0.0.1";
        }
        return address.getHostString();
    }

    static String display(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }
}
