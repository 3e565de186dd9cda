package dev.tollgate.gateway.admin;

import static org.springframework.web.reactive.function.server.RequestPredicates.DELETE;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.PATCH;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;

import dev.tollgate.billing.accounts.ApiKeyRepository;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.auth.KeyRevocations;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The admin API's routes. They need billing's stores, so exist only with billing on; {@link
 * AdminAuthFilter} guards them.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
    name = "gateway.billing.enabled",
    havingValue = "true",
    matchIfMissing = true)
public class AdminRoutes {

  /** Also the account owner's API's: both create and revoke keys the same way. */
  @Bean
  ApiKeyIssuer apiKeyIssuer(ApiKeyRepository keys, KeyRevocations revocations) {
    return new ApiKeyIssuer(keys, revocations);
  }

  @Bean
  RouterFunction<ServerResponse> adminRouter(
      AccountRepository accounts,
      HoldStore holds,
      ApiKeyIssuer issuer,
      KeyRevocations revocations) {
    AccountsAdminHandler accountsHandler = new AccountsAdminHandler(accounts, holds, revocations);
    KeysAdminHandler keysHandler = new KeysAdminHandler(issuer);
    return RouterFunctions.route(POST("/admin/accounts"), accountsHandler::create)
        .andRoute(GET("/admin/accounts/{id}"), accountsHandler::get)
        .andRoute(PATCH("/admin/accounts/{id}"), accountsHandler::update)
        .andRoute(POST("/admin/accounts/{id}/credits"), accountsHandler::credit)
        .andRoute(POST("/admin/accounts/{id}/keys"), keysHandler::create)
        .andRoute(DELETE("/admin/keys/{id}"), keysHandler::revoke);
  }
}
