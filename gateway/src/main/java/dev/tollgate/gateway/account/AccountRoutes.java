package dev.tollgate.gateway.account;

import static org.springframework.web.reactive.function.server.RequestPredicates.DELETE;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;

import dev.tollgate.billing.accounts.AccountDeletion;
import dev.tollgate.billing.accounts.ApiKeyRepository;
import dev.tollgate.billing.accounts.LedgerQueries;
import dev.tollgate.billing.accounts.RedemptionCodes;
import dev.tollgate.billing.accounts.UsageQueries;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.admin.ApiKeyIssuer;
import dev.tollgate.gateway.admin.AuditTrail;
import dev.tollgate.gateway.auth.KeyRevocations;
import dev.tollgate.gateway.config.BillingProperties;
import dev.tollgate.gateway.web.AccountPaths;
import io.r2dbc.pool.ConnectionPool;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The account API's routes ({@link AccountPaths#PATHS}). They need billing's stores, so exist only
 * with billing on. The reads ({@code GET}) take the owner's JWT or one of the account's API keys,
 * so they work without an identity provider too; the changes (create or revoke a key, delete the
 * account) need the owner's JWT and answer 403 to an API key.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
    name = "gateway.billing.enabled",
    havingValue = "true",
    matchIfMissing = true)
public class AccountRoutes {

  @Bean
  RouterFunction<ServerResponse> accountRouter(
      AccountRepository accounts,
      HoldStore holds,
      ApiKeyRepository keys,
      ApiKeyIssuer issuer,
      KeyRevocations revocations,
      ConnectionPool connections,
      BillingProperties properties,
      AuditTrail audit) {
    AccountOwners owners = new AccountOwners(accounts);
    AccountHandler account =
        new AccountHandler(
            owners,
            accounts,
            holds,
            keys,
            revocations,
            new AccountDeletion(connections),
            new LedgerQueries(connections),
            properties.currency(),
            audit);
    AccountKeysHandler keysHandler = new AccountKeysHandler(owners, keys, issuer, audit);
    AccountUsageHandler usage = new AccountUsageHandler(owners, new UsageQueries(connections));
    RedeemHandler redeem =
        new RedeemHandler(owners, new RedemptionCodes(connections), holds, audit);
    return RouterFunctions.route(GET("/v1/account"), account::get)
        .andRoute(DELETE("/v1/account"), account::delete)
        .andRoute(GET("/v1/ledger"), account::ledger)
        .andRoute(GET("/v1/keys"), keysHandler::list)
        .andRoute(POST("/v1/keys"), keysHandler::create)
        .andRoute(DELETE("/v1/keys/{id}"), keysHandler::revoke)
        .andRoute(GET("/v1/usage"), usage::page)
        .andRoute(GET("/v1/usage/export"), usage::export)
        .andRoute(POST("/v1/redeem"), redeem::redeem);
  }
}
