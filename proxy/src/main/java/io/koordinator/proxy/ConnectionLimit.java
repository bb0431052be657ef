package io.koordinator.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cap on downstream connections ({@code --max-connections}), on the inbound listener's own
 * channel: a connection accepted past the cap is closed at once with a reset (SO_LINGER 0), before
 * it is registered with an event loop, so it costs no pipeline, reads nothing and leaves no
 * TIME_WAIT behind; the client sees "connection reset" and can retry another replica. Counted in
 * {@code koordinator_proxy_limit_hits_total{limit="max_connections"}}; the open connections are the
 * gauge {@code koordinator_proxy_downstream_connections}. Like Envoy's listener connection limit,
 * not like nginx, which stops accepting and lets the backlog fill.
 *
 * <p>Threading: runs on the accept loop; the count is atomic and drops on each connection's close.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private final FilterChain chain;
    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimit(FilterChain chain) {
        this.chain = chain;
        this.max = chain.config().limits().maxConnections();
        chain.metrics().gauge("koordinator_proxy_downstream_connections", "Downstream connections open", open::get);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            chain.limitHit(
                    Limit.MAX_CONNECTIONS,
                    max + " downstream connections are open, the most --max-connections allows;"
                            + " resetting new ones as they are accepted");
            try {
                child.config().setOption(ChannelOption.SO_LINGER, 0);
            } finally {
                child.unsafe().closeForcibly();
            }
            return;
        }
        child.closeFuture().addListener(f -> open.decrementAndGet());
        ctx.fireChannelRead(child);
    }

    int open() {
        return open.get();
    }
}
