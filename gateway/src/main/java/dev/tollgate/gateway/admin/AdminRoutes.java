package dev.tollgate.gateway.admin;

import static org.springframework.web.reactive.function.server.RequestPredicates.DELETE;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.PATCH;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RequestPredicates.PUT;

import dev.tollgate.billing.accounts.AccountChanges;
import dev.tollgate.billing.accounts.AccountDeletion;
import dev.tollgate.billing.accounts.AccountQueries;
import dev.tollgate.billing.accounts.ApiKeyRepository;
import dev.tollgate.billing.accounts.AuditLog;
import dev.tollgate.billing.accounts.LedgerQueries;
import dev.tollgate.billing.accounts.PriceVersions;
import dev.tollgate.billing.accounts.RedemptionCodes;
import dev.tollgate.billing.accounts.UsageReports;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.auth.KeyRevocations;
import dev.tollgate.gateway.billing.PriceBook;
import dev.tollgate.gateway.billing.PriceUpdates;
import dev.tollgate.gateway.billing.TopUpBonuses;
import io.r2dbc.pool.ConnectionPool;
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

  @Bean
  AuditLog auditLog(ConnectionPool connections) {
    return new AuditLog(connections);
  }

  /** Also the account owner's API's and the payment webhook's: one trail for every write. */
  @Bean
  AuditTrail auditTrail(AuditLog log, AdminCredentials credentials) {
    return new AuditTrail(log, credentials);
  }

  /** Also the account owner's API's: both create and revoke keys the same way. */
  @Bean
  ApiKeyIssuer apiKeyIssuer(ApiKeyRepository keys, KeyRevocations revocations, AuditTrail audit) {
    return new ApiKeyIssuer(keys, revocations, audit);
  }

  @Bean
  RouterFunction<ServerResponse> adminRouter(
      AccountRepository accounts,
      HoldStore holds,
      ApiKeyRepository keys,
      ApiKeyIssuer issuer,
      KeyRevocations revocations,
      ConnectionPool connections,
      AuditLog auditLog,
      AuditTrail audit,
      PriceBook prices,
      PriceUpdates priceUpdates,
      PriceVersions priceVersions,
      TopUpBonuses bonuses) {
    AccountChanges changes = new AccountChanges(connections);
    AccountsAdminHandler accountsHandler =
        new AccountsAdminHandler(
            accounts, holds, revocations, changes, new AccountDeletion(connections), keys, audit);
    CreditsAdminHandler credits =
        new CreditsAdminHandler(accountsHandler, changes, holds, audit, bonuses);
    KeysAdminHandler keysHandler = new KeysAdminHandler(issuer, changes, revocations, audit);
    AdminListsHandler lists =
        new AdminListsHandler(
            new AccountQueries(connections),
            auditLog,
            new UsageReports(connections),
            new LedgerQueries(connections),
            accounts);
    PricesAdminHandler pricesHandler =
        new PricesAdminHandler(prices, priceUpdates, priceVersions, audit);
    return RouterFunctions.route(POST("/admin/accounts"), accountsHandler::create)
        .andRoute(GET("/admin/accounts"), lists::accounts)
        .andRoute(GET("/admin/accounts/{id}"), accountsHandler::get)
        .andRoute(PATCH("/admin/accounts/{id}"), accountsHandler::update)
        .andRoute(DELETE("/admin/accounts/{id}"), accountsHandler::delete)
        .andRoute(POST("/admin/accounts/{id}/credits"), credits::credit)
        .andRoute(POST("/admin/accounts/{id}/keys"), keysHandler::create)
        .andRoute(PATCH("/admin/keys/{id}"), keysHandler::update)
        .andRoute(DELETE("/admin/keys/{id}"), keysHandler::revoke)
        .andRoute(GET("/admin/audit"), lists::audit)
        .andRoute(GET("/admin/usage"), lists::usage)
        .andRoute(GET("/admin/ledger"), lists::ledger)
        .andRoute(PUT("/admin/models/{id}/price"), pricesHandler::put)
        .andRoute(GET("/admin/models/{id}/prices"), pricesHandler::list)
        .andRoute(
            POST("/admin/codes"),
            new CodesAdminHandler(new RedemptionCodes(connections), audit)::create);
  }
}
