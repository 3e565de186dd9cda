package dev.tollgate.gateway.web;

import dev.tollgate.gateway.error.GatewayException;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Refuses, with 400 in the OpenAI error shape, every request whose path is not in its one canonical
 * spelling ({@link RequestPaths#problem}): {@code /%61dmin/...}, {@code /v1;x/...}, {@code
 * /v1//models}, {@code /v1/../admin}. Runs before any access decision. The decisions themselves
 * read {@link RequestPaths#routed}, the path the router matches, so this filter is a second wall,
 * not the only one.
 */
@Component
public class CanonicalPathFilter implements WebFilter, Ordered {

  /** After the request id (refusals carry one), before every filter that decides access. */
  public static final int ORDER = -150;

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    String problem = RequestPaths.problem(exchange.getRequest().getPath().value());
    if (problem != null) {
      return Mono.error(
          new GatewayException(
              400,
              "invalid_request_error",
              "invalid_path",
              null,
              "The request path is not canonical: " + problem + "."));
    }
    return chain.filter(exchange);
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
