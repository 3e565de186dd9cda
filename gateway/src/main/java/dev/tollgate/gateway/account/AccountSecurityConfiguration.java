package dev.tollgate.gateway.account;

import dev.tollgate.gateway.admin.AdminCredentials;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.web.AccountPaths;
import dev.tollgate.gateway.web.RequestPaths;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.WebFilterChainProxy;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher.MatchResult;
import reactor.core.publisher.Mono;

/**
 * Spring Security for the account owner's API and the admin API's JWTs only. The JWT decoder is
 * Spring Boot's, configured solely through {@code spring.security.oauth2.resourceserver.jwt.*}
 * (issuer-uri, jwk-set-uri or public-key-location, audiences); without those settings there is no
 * decoder, no request takes this chain, and the account API does not exist (404, see {@link
 * AccountRoutes}).
 *
 * <p>Two chains: the JWT chain, for requests that {@link AccountPaths#takesJwt take a JWT} and
 * admin requests whose bearer is not the master key ({@link AdminCredentials#takesJwt}: the admin
 * API and the private actuator paths), demands a valid one, with the {@code admin} scope where
 * {@link AdminCredentials#guards} (paths read as the router matches them: {@link
 * RequestPaths#routed}); every other request passes a permit-all chain that adds nothing (no CSRF,
 * sessions, login pages or security headers), so the data plane ({@code ApiKeyAuthFilter}), the
 * admin API ({@code AdminAuthFilter}) and webhooks behave as without Spring Security. Refusals are
 * errors that {@code OpenAiErrorHandler} answers in the OpenAI shape.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
public class AccountSecurityConfiguration {

  @Bean
  @Order(Ordered.HIGHEST_PRECEDENCE)
  SecurityWebFilterChain accountSecurityChain(
      ServerHttpSecurity http,
      ObjectProvider<ReactiveJwtDecoder> decoders,
      AdminCredentials admin) {
    ReactiveJwtDecoder decoder = decoders.getIfAvailable();
    ServerWebExchangeMatcher takesJwt =
        exchange ->
            decoder != null
                    && (AccountPaths.takesJwt(exchange.getRequest())
                        || admin.takesJwt(exchange.getRequest()))
                ? MatchResult.match()
                : MatchResult.notMatch();
    ServerWebExchangeMatcher guarded =
        exchange ->
            admin.guards(exchange.getRequest()) ? MatchResult.match() : MatchResult.notMatch();
    ServerAuthenticationEntryPoint entryPoint = (exchange, e) -> unauthorized(exchange, admin);
    ServerAccessDeniedHandler deniedHandler =
        (exchange, denied) ->
            Mono.error(
                new GatewayException(
                    403,
                    "permission_error",
                    "forbidden",
                    null,
                    AdminCredentials.isAdminPath(RequestPaths.routed(exchange.getRequest()))
                        ? "The admin API needs a token with the 'admin' scope."
                        : admin.guards(exchange.getRequest())
                            ? "This endpoint needs a token with the 'admin' scope."
                            : "This token may not use the account API."));
    quiet(http.securityMatcher(takesJwt))
        .authorizeExchange(
            exchanges ->
                exchanges
                    .matchers(guarded)
                    .hasAuthority(AdminCredentials.ADMIN_AUTHORITY)
                    .anyExchange()
                    .authenticated())
        .exceptionHandling(
            handling ->
                handling.authenticationEntryPoint(entryPoint).accessDeniedHandler(deniedHandler));
    if (decoder != null) {
      http.oauth2ResourceServer(
          server ->
              server
                  .jwt(jwt -> jwt.jwtDecoder(decoder))
                  .authenticationEntryPoint(entryPoint)
                  .accessDeniedHandler(deniedHandler));
    }
    return http.build();
  }

  /** Everything else: Spring Security stays out of the way. */
  @Bean
  @Order(Ordered.LOWEST_PRECEDENCE)
  SecurityWebFilterChain openSecurityChain(ServerHttpSecurity http) {
    return quiet(http).authorizeExchange(exchanges -> exchanges.anyExchange().permitAll()).build();
  }

  /**
   * Requests that Spring Security's firewall refuses (encoded slashes, {@code ..}, control
   * characters in headers) are answered as 400 in the OpenAI shape rather than an empty body.
   */
  @Bean
  static BeanPostProcessor openAiFirewallRejections() {
    ServerExchangeRejectedHandler handler =
        (exchange, rejected) ->
            Mono.error(
                GatewayException.badRequest(null, "Malformed request: " + rejected.getMessage()));
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof WebFilterChainProxy proxy) {
          proxy.setExchangeRejectedHandler(handler);
        }
        return bean;
      }
    };
  }

  private static ServerHttpSecurity quiet(ServerHttpSecurity http) {
    return http.csrf(ServerHttpSecurity.CsrfSpec::disable)
        .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
        .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
        .logout(ServerHttpSecurity.LogoutSpec::disable)
        .headers(ServerHttpSecurity.HeaderSpec::disable)
        .anonymous(ServerHttpSecurity.AnonymousSpec::disable)
        .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
        .securityContextRepository(NoOpServerSecurityContextRepository.getInstance());
  }

  private static Mono<Void> unauthorized(
      org.springframework.web.server.ServerWebExchange exchange, AdminCredentials admin) {
    exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    return Mono.error(
        new GatewayException(
            401,
            "invalid_request_error",
            "invalid_token",
            null,
            (AdminCredentials.isAdminPath(RequestPaths.routed(exchange.getRequest()))
                    ? "The admin API"
                    : admin.guards(exchange.getRequest()) ? "This endpoint" : "The account API")
                + " needs 'Authorization: Bearer <token>' with a valid, unexpired token"
                + " from the configured identity provider."));
  }
}
