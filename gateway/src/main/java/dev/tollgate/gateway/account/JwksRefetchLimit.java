package dev.tollgate.gateway.account;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * Fetches the identity provider's JWK set at most once per interval. Spring Security fetches the
 * set again for every token whose {@code kid} it does not know, so a flood of tokens with made-up
 * key ids turned into a flood of fetches. Within the interval this filter answers with the set it
 * fetched last (the unknown key stays unknown: 401); concurrent fetches share one request. A key
 * the provider rotated in is found at the first token after the interval.
 */
final class JwksRefetchLimit implements ExchangeFilterFunction {

  private final long intervalNanos;
  private final LongSupplier nanoClock;

  private @Nullable String lastBody;
  private long fetchedAtNanos;
  private boolean fetchedOnce;
  private @Nullable Mono<String> inFlight;

  JwksRefetchLimit(Duration interval, LongSupplier nanoClock) {
    this.intervalNanos = interval.toNanos();
    this.nanoClock = nanoClock;
  }

  @Override
  public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
    return Mono.defer(() -> body(request, next)).map(JwksRefetchLimit::response);
  }

  private synchronized Mono<String> body(ClientRequest request, ExchangeFunction next) {
    long now = nanoClock.getAsLong();
    String cached = lastBody;
    if (fetchedOnce && now - fetchedAtNanos < intervalNanos) {
      return cached != null
          ? Mono.just(cached)
          : Mono.error(
              new IllegalStateException("JWK set unavailable; next fetch after the interval"));
    }
    Mono<String> running = inFlight;
    if (running != null) {
      return running;
    }
    fetchedOnce = true;
    fetchedAtNanos = now;
    Mono<String> fetch =
        next.exchange(request)
            .flatMap(
                response ->
                    response.statusCode().is2xxSuccessful()
                        ? response.bodyToMono(String.class)
                        : response
                            .releaseBody()
                            .then(
                                Mono.error(
                                    new IllegalStateException(
                                        "JWK set fetch answered " + response.statusCode()))))
            .doOnNext(this::remember)
            .onErrorResume(e -> cached != null ? Mono.just(cached) : Mono.error(e))
            .doFinally(signal -> done())
            .cache();
    inFlight = fetch;
    return fetch;
  }

  private synchronized void remember(String body) {
    lastBody = body;
  }

  private synchronized void done() {
    inFlight = null;
  }

  private static ClientResponse response(String body) {
    return ClientResponse.create(HttpStatus.OK)
        .header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
        .body(body)
        .build();
  }
}
