package io.koordinator.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpResponseEncoder;

/** The inbound listener's pipeline: decode strictly, encode responses, then the downstream handler. */
final class DownstreamInitializer extends ChannelInitializer<Channel> {
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
                .addLast("decoder", new StrictRequestDecoder())
                .addLast("encoder", new HttpResponseEncoder())
                .addLast("downstream", new DownstreamHandler(chain));
    }
}
