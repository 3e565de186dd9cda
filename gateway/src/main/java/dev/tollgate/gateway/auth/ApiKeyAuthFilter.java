package dev.tollgate.gateway.auth;

import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.web.AccountPaths;
import dev.tollgate.gateway.web.RequestPaths;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Authenticates the data-plane API ({@code /v1/**}) with an API key from {@code Authorization:
 * Bearer <key>} or, as Anthropic SDKs send it, {@code x-api-key} (so {@code /v1/messages} is
 * covered too). Refuses with 401 before anything else happens (in the OpenAI error shape; in
 * Anthropic's on {@code /v1/messages}). The account owner's API ({@link AccountPaths}) also takes a
 * JWT instead, which this filter leaves to the account security chain. Clients that keep sending
 * wrong keys get their refusals later and later ({@link FailedKeyThrottle}).
 */
@Component
public class ApiKeyAuthFilter implements WebFilter, Ordered {

  /** After the request id, before everything that costs. */
  public static final int ORDER = -100;

  /** The exchange attribute that holds the authenticated {@link ApiKey}. */
  public static final String ATTRIBUTE = ApiKeyAuthFilter.class.getName() + ".key";

  private static final String BEARER = "Bearer ";

  private final ApiKeyStore keys;
  private final FailedKeyThrottle throttle;
  private final boolean jwtEnabled;

  public ApiKeyAuthFilter(
      ApiKeyStore keys,
      FailedKeyProperties failedKeys,
      ObjectProvider<ReactiveJwtDecoder> jwtDecoders) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.throttle = new FailedKeyThrottle(failedKeys);
    this.jwtEnabled = jwtDecoders.getIfAvailable() != null;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!isDataPlane(RequestPaths.routed(exchange.getRequest()))) {
      return chain.filter(exchange);
    }
    // The account owner's API with a JWT: Spring Security's resource server checks that one.
    // Without an identity provider every token is taken for an API key.
    if (jwtEnabled && AccountPaths.takesJwt(exchange.getRequest())) {
      return chain.filter(exchange);
    }
    String secret = presentedSecret(exchange.getRequest().getHeaders());
    if (secret == null) {
      return Mono.error(GatewayException.missingKey());
    }
    return keys.find(secret)
        .switchIfEmpty(Mono.defer(() -> refuse(exchange)))
        .flatMap(
            key -> {
              exchange.getAttributes().put(ATTRIBUTE, key);
              return chain.filter(exchange);
            });
  }

  /** A wrong key: refused, after a delay when this client keeps sending wrong ones. */
  private Mono<ApiKey> refuse(ServerWebExchange exchange) {
    Duration delay = throttle.recordFailure(exchange.getRequest().getRemoteAddress());
    Mono<ApiKey> refusal = Mono.error(GatewayException.invalidKey());
    return delay.isZero() ? refusal : Mono.delay(delay).then(refusal);
  }

  /** Whether the routed path ({@link RequestPaths#routed}) is under {@code /v1}. */
  static boolean isDataPlane(String routedPath) {
    return routedPath.equals("/v1") || routedPath.startsWith("/v1/");
  }

  /** The key of an authenticated exchange. */
  public static ApiKey keyOf(ServerWebExchange exchange) {
    ApiKey key = exchange.getAttribute(ATTRIBUTE);
    if (key == null) {
      throw new IllegalStateException("ApiKeyAuthFilter did not authenticate this exchange");
    }
    return key;
  }

  private static @Nullable String presentedSecret(HttpHeaders headers) {
    String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
    if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      String token = authorization.substring(BEARER.length()).trim();
      if (!token.isEmpty()) {
        return token;
      }
    }
    String apiKey = headers.getFirst("x-api-key");
    return apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
