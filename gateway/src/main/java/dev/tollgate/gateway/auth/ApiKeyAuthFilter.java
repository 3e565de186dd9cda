package dev.tollgate.gateway.auth;

import dev.tollgate.gateway.account.AccountPaths;
import dev.tollgate.gateway.api.GatewayException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
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
 * JWT instead, which this filter leaves to the account security chain.
 */
@Component
public class ApiKeyAuthFilter implements WebFilter, Ordered {

  /** After the request id, before everything that costs. */
  public static final int ORDER = -100;

  /** The exchange attribute that holds the authenticated {@link ApiKey}. */
  public static final String ATTRIBUTE = ApiKeyAuthFilter.class.getName() + ".key";

  private static final String BEARER = "Bearer ";

  private final ApiKeyStore keys;

  public ApiKeyAuthFilter(ApiKeyStore keys) {
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!exchange.getRequest().getPath().value().startsWith("/v1/")) {
      return chain.filter(exchange);
    }
    // The account owner's API with a JWT: Spring Security's resource server checks that one.
    if (AccountPaths.takesJwt(exchange.getRequest())) {
      return chain.filter(exchange);
    }
    String secret = presentedSecret(exchange.getRequest().getHeaders());
    if (secret == null) {
      return Mono.error(GatewayException.missingKey());
    }
    return keys.find(secret)
        .switchIfEmpty(Mono.error(GatewayException::invalidKey))
        .flatMap(
            key -> {
              exchange.getAttributes().put(ATTRIBUTE, key);
              return chain.filter(exchange);
            });
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
