package dev.tollgate.gateway.web;

import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

/**
 * Serves every request from a task of its own on its connection's event loop, never from inside the
 * Reactor Netty call that hands the request over.
 *
 * <p>Why: a response whose body is flushed with a {@code Content-Length} is complete for the client
 * before Reactor Netty has terminated the request on the server (always when the answer was written
 * from another thread: a PostgreSQL or Redis result, a delayed refusal). A keep-alive client then
 * sends its next request at once, and Reactor Netty (1.3.6 and 1.3.7) buffers it. When that
 * buffered request is answered synchronously, inside the call that dispatched it from the buffer (a
 * cached wrong key, a dev key), Reactor Netty terminates it re-entrantly and never asks the socket
 * for more: the connection's next request is never read (reactor-netty issue 4361, fixed after
 * 1.3.7). That was the stall of wrong-key GETs on keep-alive connections. Handing the exchange to
 * the next turn of the same event loop lets the dispatching call finish first, so the termination
 * always finds it done and resumes reading. Cost: one event-loop task per request, no thread
 * switch.
 */
@Component
public class NextTurnFilter implements WebFilter, Ordered {

  /** Outside every other filter, so that nothing below it can answer re-entrantly. */
  public static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

  private final Map<EventLoop, Scheduler> schedulers = new ConcurrentHashMap<>();

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    Object request = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
    if (!(request instanceof Connection connection)) {
      return chain.filter(exchange); // not Reactor Netty (mock exchanges in tests)
    }
    EventLoop loop = connection.channel().eventLoop();
    Scheduler scheduler = schedulers.computeIfAbsent(loop, Schedulers::fromExecutorService);
    return Mono.defer(() -> chain.filter(exchange)).subscribeOn(scheduler);
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
