package dev.tollgate.gateway.web.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;

/**
 * A deadline for a request's headers, per HTTP/1.1 connection: it starts with the first byte of a
 * request (seen before the HTTP codec) and ends when the codec has decoded the request head (seen
 * after it); past it the connection is closed. Unlike an idle timeout it also ends a client that
 * sends a byte now and then (slowloris). Between requests (no response pending, no byte of the next
 * request yet) it does not run: that wait is {@code server.netty.idle-timeout}'s.
 */
public final class HeaderReadTimeout {

  static final String BYTES = "tollgate.headerReadTimeout.bytes";
  static final String HEADS = "tollgate.headerReadTimeout.heads";

  private final long timeoutNanos;
  private @Nullable ScheduledFuture<?> deadline;
  private boolean idle = true;
  private int pendingResponses;

  private HeaderReadTimeout(long timeoutNanos) {
    this.timeoutNanos = timeoutNanos;
  }

  /** Adds the two halves around Reactor Netty's HTTP codec. */
  public static void install(ChannelPipeline pipeline, long timeoutNanos) {
    HeaderReadTimeout state = new HeaderReadTimeout(timeoutNanos);
    pipeline.addBefore(NettyPipeline.HttpCodec, BYTES, state.new Bytes());
    pipeline.addAfter(NettyPipeline.HttpCodec, HEADS, state.new Heads());
  }

  private void start(ChannelHandlerContext ctx) {
    idle = false;
    cancel();
    deadline =
        ctx.executor().schedule(() -> ctx.channel().close(), timeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    ScheduledFuture<?> running = deadline;
    if (running != null) {
      running.cancel(false);
      deadline = null;
    }
  }

  /**
   * Before the codec: the first byte of a request while the connection is idle starts the clock.
   */
  private final class Bytes extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (idle && msg instanceof ByteBuf bytes && bytes.isReadable()) {
        start(ctx);
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      cancel();
      ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      cancel();
    }
  }

  /**
   * After the codec: a decoded head stops the clock; the end of the last response makes it idle.
   */
  private final class Heads extends ChannelDuplexHandler {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) {
        cancel();
        idle = false;
        pendingResponses++;
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      boolean informational =
          msg instanceof HttpResponse response
              && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
      if (msg instanceof LastHttpContent && !informational && pendingResponses > 0) {
        pendingResponses--;
        if (pendingResponses == 0 && deadline == null) {
          idle = true;
        }
      }
      ctx.write(msg, promise);
    }
  }
}
