package io.koordinator.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Native epoll where the platform has it, NIO elsewhere. */
record Transports(
        String name,
        IoHandlerFactory ioHandlers,
        Class<? extends ServerChannel> serverChannel,
        Class<? extends Channel> socketChannel) {

    static Transports pick() {
        if (Epoll.isAvailable()) {
            return new Transports(
                    "epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return new Transports("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    EventLoopGroup group(int threads, String threadName) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true), ioHandlers);
    }

    /**
     * Has the kernel acknowledge what arrives on {@code ch} at once, not after its delayed-ACK wait
     * (see {@link AppAcks} for when and why); on the event loop. Linux's {@code TCP_QUICKACK} is not
     * permanent (the kernel leaves quick-ACK mode as the exchange goes on), so it is set for every
     * request. Native epoll only; a no-op on NIO.
     */
    static void ackAtOnce(Channel ch) {
        if (ch instanceof EpollSocketChannel epoll && epoll.isActive()) {
            try {
                epoll.config().setTcpQuickAck(true);
            } catch (ChannelException e) {
                // closed meanwhile: its close is reported where the exchange is
            }
        }
    }
}
