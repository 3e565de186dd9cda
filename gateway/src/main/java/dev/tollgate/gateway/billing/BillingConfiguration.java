package dev.tollgate.gateway.billing;

import dev.tollgate.billing.accounts.AccountChanges;
import dev.tollgate.billing.accounts.PriceVersions;
import dev.tollgate.billing.allowance.AllowanceRenewals;
import dev.tollgate.billing.allowance.AllowanceRenewer;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.LedgerWriter;
import dev.tollgate.billing.ledger.Migrations;
import dev.tollgate.billing.ledger.OutboxFlusher;
import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.config.BillingProperties;
import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.config.R2dbcPoolProperties;
import dev.tollgate.gateway.redis.RedisConnections;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Billing's wiring: Redis through {@link RedisConnections} (one server or a cluster, see {@code
 * RedisConfiguration}), R2DBC for PostgreSQL ({@code spring.r2dbc.url}, {@code username}, {@code
 * password}) with Flyway migrations at start-up, the outbox flusher, the hold reaper and the
 * allowance renewal job. With {@code gateway.billing.enabled=false} none of it is created and
 * {@link FreeBilling} serves.
 */
@Configuration(proxyBeanMethods = false)
public class BillingConfiguration {

  @Bean
  PriceBook priceBook(GatewayProperties properties) {
    return PriceBook.from(properties);
  }

  @Bean
  @ConditionalOnProperty(name = "gateway.billing.enabled", havingValue = "false")
  Billing freeBilling(PriceBook prices) {
    return new FreeBilling(prices);
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(
      name = "gateway.billing.enabled",
      havingValue = "true",
      matchIfMissing = true)
  static class Enabled {

    @Bean
    BillingKeys billingKeys(BillingProperties properties) {
      return new BillingKeys(properties.redisPrefix(), properties.buckets());
    }

    @Bean
    HoldStore holdStore(RedisConnections redis, BillingKeys keys) {
      return new HoldStore(redis.reactive(), keys);
    }

    @Bean(destroyMethod = "dispose")
    ConnectionPool billingConnectionFactory(
        @Value("${spring.r2dbc.url:r2dbc:postgresql://127.0.0.1:5432/postgres}") String url,
        @Value("${spring.r2dbc.username:postgres}") String username,
        @Value("${spring.r2dbc.password:}") String password,
        R2dbcPoolProperties pool) {
      Migrations.migrate(jdbcUrl(url), username, password);
      ConnectionFactory factory =
          ConnectionFactories.get(
              ConnectionFactoryOptions.parse(url)
                  .mutate()
                  .option(ConnectionFactoryOptions.USER, username)
                  .option(ConnectionFactoryOptions.PASSWORD, password)
                  .build());
      return new ConnectionPool(pool.applyTo(ConnectionPoolConfiguration.builder(factory)).build());
    }

    @Bean
    AccountRepository accountRepository(ConnectionPool connections) {
      return new AccountRepository(connections);
    }

    @Bean
    LedgerWriter ledgerWriter(ConnectionPool connections) {
      return new LedgerWriter(connections);
    }

    @Bean
    Billing redisBilling(
        HoldStore holds,
        AccountRepository accounts,
        PriceBook prices,
        BillingProperties properties,
        Settlements settlements) {
      return new RedisBilling(holds, accounts, prices, properties, settlements);
    }

    @Bean
    OutboxFlusher outboxFlusher(
        RedisConnections redis,
        BillingKeys keys,
        LedgerWriter writer,
        BillingProperties properties) {
      BillingProperties.Flusher f = properties.flusher();
      OutboxFlusher.Settings defaults = OutboxFlusher.Settings.defaults();
      return new OutboxFlusher(
          redis.reactive(),
          keys,
          writer,
          instanceId(properties),
          new OutboxFlusher.Settings(
              f.batchSize(),
              f.pollInterval(),
              defaults.retryBackoff(),
              f.claimIdle(),
              defaults.claimInterval(),
              defaults.concurrency()));
    }

    @Bean
    BillingLifecycle billingLifecycle(
        OutboxFlusher flusher,
        HoldStore holds,
        AccountRepository accounts,
        BillingProperties properties,
        Settlements settlements) {
      return new BillingLifecycle(flusher, holds, accounts, properties, settlements);
    }

    @Bean
    Settlements settlements() {
      return new Settlements();
    }

    @Bean
    TopUpBonuses topUpBonuses(
        TopUpBonusProperties properties, ConnectionPool connections, HoldStore holds) {
      return new TopUpBonuses(properties.bonus(), new AccountChanges(connections), holds);
    }

    @Bean
    PriceVersions priceVersions(ConnectionPool connections) {
      return new PriceVersions(connections);
    }

    @Bean
    PriceUpdates priceUpdates(
        PriceBook book,
        PriceVersions versions,
        RedisConnections redis,
        BillingProperties properties) {
      return new PriceUpdates(book, versions, redis, properties.redisPrefix());
    }

    @Bean
    AllowanceRenewer allowanceRenewer(ConnectionPool connections, HoldStore holds) {
      return new AllowanceRenewer(new AllowanceRenewals(connections), holds, Clock.systemUTC());
    }

    @Bean
    AllowanceRenewalJob allowanceRenewalJob(
        AllowanceRenewer renewer, BillingProperties properties) {
      return new AllowanceRenewalJob(renewer, properties);
    }

    private static String instanceId(BillingProperties properties) {
      String configured = properties.instanceId();
      return configured != null && !configured.isBlank()
          ? configured
          : ManagementFactory.getRuntimeMXBean().getName(); // pid@host
    }

    /** {@code r2dbc:postgresql://h:p/db?x} (or {@code r2dbc:pool:postgresql:...}) to JDBC. */
    static String jdbcUrl(String r2dbcUrl) {
      String rest = r2dbcUrl.replaceFirst("^r2dbc:(pool:)?", "");
      return "jdbc:" + rest;
    }
  }
}
