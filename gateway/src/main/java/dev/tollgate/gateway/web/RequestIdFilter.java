package dev.tollgate.gateway.web;

import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/** Gives every request an id and puts it on the response as {@code x-request-id}. */
@Component
public class RequestIdFilter implements WebFilter, Ordered {

  /** First of the gateway's filters: even refused requests get an id. */
  public static final int ORDER = -200;

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    String id = RequestIds.newId();
    exchange.getAttributes().put(RequestIds.ATTRIBUTE, id);
    exchange.getResponse().getHeaders().set(RequestIds.HEADER, id);
    return chain.filter(exchange);
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
