package dev.tollgate.gateway.admin;

import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.web.RequestPaths;
import java.util.Objects;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Guards {@code /admin/**} and the private actuator paths ({@link AdminCredentials#guards}): the
 * master key from {@code Authorization: Bearer <key>}, compared in constant time, or a JWT with the
 * {@code admin} scope, which Spring Security's resource server has already checked (see {@code
 * AccountSecurityConfiguration}) when this filter runs. With neither a master key nor a JWT decoder
 * configured the admin API (and the private actuator) does not exist: 404.
 */
@Component
public class AdminAuthFilter implements WebFilter, Ordered {

  /** After Spring Security's chain and {@code ApiKeyAuthFilter.ORDER}, before any handler. */
  public static final int ORDER = -90;

  private final AdminCredentials credentials;
  private final boolean jwtEnabled;

  public AdminAuthFilter(
      AdminCredentials credentials, ObjectProvider<ReactiveJwtDecoder> jwtDecoders) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.jwtEnabled = jwtDecoders.getIfAvailable() != null;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!credentials.guards(exchange.getRequest())) {
      return chain.filter(exchange);
    }
    if (!credentials.masterKeyEnabled() && !jwtEnabled) {
      return Mono.error(
          GatewayException.notFound(
              "Unknown request URL: "
                  + exchange.getRequest().getMethod()
                  + " "
                  + exchange.getRequest().getPath().value()));
    }
    if (credentials.presentsMasterKey(exchange.getRequest())) {
      return chain.filter(exchange);
    }
    return exchange
        .getPrincipal()
        .filter(AdminAuthFilter::isAdmin)
        .switchIfEmpty(
            Mono.error(
                () ->
                    GatewayException.unauthorized(
                        (AdminCredentials.isAdminPath(RequestPaths.routed(exchange.getRequest()))
                                ? "The admin API"
                                : "This endpoint")
                            + " needs 'Authorization: Bearer <master key>' or a token"
                            + " with the 'admin' scope.")))
        .flatMap(admin -> chain.filter(exchange));
  }

  private static boolean isAdmin(Object principal) {
    return principal instanceof Authentication authentication
        && authentication.isAuthenticated()
        && authentication.getAuthorities().stream()
            .anyMatch(a -> AdminCredentials.ADMIN_AUTHORITY.equals(a.getAuthority()));
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
