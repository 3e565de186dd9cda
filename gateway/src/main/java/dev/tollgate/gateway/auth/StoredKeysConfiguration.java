package dev.tollgate.gateway.auth;

import dev.tollgate.billing.accounts.ApiKeyRepository;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.gateway.config.BillingProperties;
import dev.tollgate.gateway.redis.RedisConnections;
import io.r2dbc.pool.ConnectionPool;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * Keys from PostgreSQL besides the dev keys, with revocation over Redis pub/sub. Needs billing's
 * stores, so only with billing on; without it the dev keys alone authenticate.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
    name = "gateway.billing.enabled",
    havingValue = "true",
    matchIfMissing = true)
public class StoredKeysConfiguration {

  @Bean
  ApiKeyRepository apiKeyRepository(ConnectionPool connections) {
    return new ApiKeyRepository(connections);
  }

  @Bean
  @Primary
  CachingKeyStore cachingKeyStore(
      DevKeyStore devKeys,
      ApiKeyRepository keys,
      AccountRepository accounts,
      KeyCacheProperties settings) {
    return new CachingKeyStore(devKeys, keys, accounts, settings, Clock.systemUTC());
  }

  @Bean
  KeyRevocations keyRevocations(
      RedisConnections redis, BillingProperties properties, CachingKeyStore cache) {
    return new KeyRevocations(redis, properties.redisPrefix(), cache);
  }
}
