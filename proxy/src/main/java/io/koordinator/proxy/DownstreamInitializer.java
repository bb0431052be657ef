package io.koordinator.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * The inbound listener's pipeline: an idle timer, decode strictly, encode responses, then the
 * downstream handler.
 */
final class DownstreamInitializer extends ChannelInitializer<Channel> {
    /** A downstream connection with no traffic and nothing in progress this long is closed. */
    static final int IDLE_SECONDS = 300;

    private final FilterChain chain;
    private final ChannelGroup connections;

    DownstreamInitializer(FilterChain chain, ChannelGroup connections) {
        this.chain = chain;
        this.connections = connections;
    }

    @Override
    protected void initChannel(Channel ch) {
        connections.add(ch);
        ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS))
                .addLast("decoder", new StrictRequestDecoder())
                .addLast("encoder", new HttpResponseEncoder())
                .addLast("downstream", new DownstreamHandler(chain));
    }
}
