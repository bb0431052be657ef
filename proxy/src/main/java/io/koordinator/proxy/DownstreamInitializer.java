package io.koordinator.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * The inbound listener's pipeline: an idle timer, decode strictly (with the request line and
 * header limits), encode responses, the header-read timeout, then the downstream handler. The cap
 * on connections sits on the listener's own channel ({@link ConnectionLimit}).
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
        ProxyConfig.Limits limits = chain.config().limits();
        StrictRequestDecoder decoder = new StrictRequestDecoder(limits.maxRequestLineBytes(), limits.maxHeaderBytes());
        ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS))
                .addLast("decoder", decoder)
                .addLast("encoder", new HttpResponseEncoder())
                .addLast("header-read-timeout", new HeaderReadTimeout(chain, decoder))
                .addLast("downstream", new DownstreamHandler(chain));
    }
}
