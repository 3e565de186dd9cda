package dev.tollgate.gateway.admin;

import dev.tollgate.gateway.api.GatewayException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
 * Guards {@code /admin/**} with the master key from {@code Authorization: Bearer <key>}, compared
 * in constant time. Without a configured master key the admin API does not exist: 404.
 */
@Component
public class AdminAuthFilter implements WebFilter, Ordered {

  /** Beside {@code ApiKeyAuthFilter.ORDER}: after the request id, before any handler. */
  public static final int ORDER = -90;

  private static final String BEARER = "Bearer ";

  private final byte[] masterKey;

  public AdminAuthFilter(AdminProperties properties) {
    Objects.requireNonNull(properties, "properties");
    this.masterKey = properties.masterKey().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    String path = exchange.getRequest().getPath().value();
    if (!path.equals("/admin") && !path.startsWith("/admin/")) {
      return chain.filter(exchange);
    }
    if (masterKey.length == 0) {
      return Mono.error(
          GatewayException.notFound(
              "Unknown request URL: " + exchange.getRequest().getMethod() + " " + path));
    }
    if (!authorized(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION))) {
      return Mono.error(
          GatewayException.unauthorized(
              "The admin API needs 'Authorization: Bearer <master key>'."));
    }
    return chain.filter(exchange);
  }

  private boolean authorized(@Nullable String authorization) {
    if (authorization == null
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return false;
    }
    byte[] presented =
        authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
    // Constant time in the content; only the length of the master key can leak.
    return MessageDigest.isEqual(presented, masterKey);
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
