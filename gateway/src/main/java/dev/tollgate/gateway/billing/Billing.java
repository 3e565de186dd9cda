package dev.tollgate.gateway.billing;

import reactor.core.publisher.Mono;

/**
 * Opens a {@link Tab} for each request before anything is sent upstream: reserves the request's
 * worst-case cost so that concurrent requests can never overspend the account.
 */
public interface Billing {

  /**
   * Reserves funds for a request.
   *
   * @return the open tab; an error {@code GatewayException} with 402 when funds are short, 403 when
   *     the account may not spend
   */
  Mono<Tab> open(TabRequest request);
}
