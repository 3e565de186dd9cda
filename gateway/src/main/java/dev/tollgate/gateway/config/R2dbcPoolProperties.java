package dev.tollgate.gateway.config;

import io.r2dbc.pool.ConnectionPoolConfiguration;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code spring.r2dbc.pool.*} (Spring Boot's names): billing's R2DBC pool to PostgreSQL, per
 * instance. PostgreSQL is off the request path (the outbox flusher, key and account loads on a
 * cache miss, the account and admin APIs, the periodic jobs), so a small pool serves many streams;
 * instances times {@code max-size} must stay under the server's {@code max_connections}
 * (docs/operations.md, "Sizing").
 *
 * @param initialSize connections opened at start-up
 * @param maxSize the most connections open at once
 * @param minIdle idle connections kept open
 * @param maxIdleTime an idle connection is closed after this long
 * @param maxLifeTime a connection is replaced after this long; none when absent
 * @param maxAcquireTime the longest wait for a connection from the pool; no limit when absent
 * @param maxCreateConnectionTime the longest wait to open a connection; no limit when absent
 * @param validationQuery run to check a connection before it is handed out; none when absent
 */
@ConfigurationProperties("spring.r2dbc.pool")
public record R2dbcPoolProperties(
    @DefaultValue("2") int initialSize,
    @DefaultValue("10") int maxSize,
    @DefaultValue("0") int minIdle,
    @DefaultValue("30m") Duration maxIdleTime,
    @Nullable Duration maxLifeTime,
    @Nullable Duration maxAcquireTime,
    @Nullable Duration maxCreateConnectionTime,
    @Nullable String validationQuery) {

  public R2dbcPoolProperties {
    if (maxSize <= 0) {
      throw new IllegalArgumentException(
          "spring.r2dbc.pool.max-size: " + maxSize + " (expected: > 0)");
    }
    if (initialSize < 0 || initialSize > maxSize) {
      throw new IllegalArgumentException(
          "spring.r2dbc.pool.initial-size: " + initialSize + " (expected: 0.." + maxSize + ")");
    }
    if (minIdle < 0 || minIdle > maxSize) {
      throw new IllegalArgumentException(
          "spring.r2dbc.pool.min-idle: " + minIdle + " (expected: 0.." + maxSize + ")");
    }
  }

  /** These settings on a pool configuration. */
  public ConnectionPoolConfiguration.Builder applyTo(ConnectionPoolConfiguration.Builder pool) {
    pool.initialSize(initialSize).maxSize(maxSize).minIdle(minIdle).maxIdleTime(maxIdleTime);
    if (maxLifeTime != null) {
      pool.maxLifeTime(maxLifeTime);
    }
    if (maxAcquireTime != null) {
      pool.maxAcquireTime(maxAcquireTime);
    }
    if (maxCreateConnectionTime != null) {
      pool.maxCreateConnectionTime(maxCreateConnectionTime);
    }
    if (validationQuery != null && !validationQuery.isBlank()) {
      pool.validationQuery(validationQuery);
    }
    return pool;
  }
}
