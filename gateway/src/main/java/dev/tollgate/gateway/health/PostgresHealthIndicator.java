package dev.tollgate.gateway.health;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ValidationDepth;
import java.time.Duration;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * {@code postgres}: a connection from billing's R2DBC pool, validated on the server, within {@code
 * timeout}; the details show the pool's use. Not part of readiness: while PostgreSQL is away,
 * requests are served and their charges wait in the outbox (docs/operations.md).
 */
public final class PostgresHealthIndicator implements ReactiveHealthIndicator {

  private final ConnectionPool pool;
  private final Duration timeout;

  public PostgresHealthIndicator(ConnectionPool pool, Duration timeout) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  @Override
  public Mono<Health> health() {
    return Mono.usingWhen(
            pool.create(),
            connection -> Mono.from(connection.validate(ValidationDepth.REMOTE)),
            Connection::close)
        .timeout(timeout)
        .map(
            valid ->
                valid
                    ? withPool(Health.up())
                    : withPool(Health.down()).withDetail("error", "validation failed"))
        .onErrorResume(
            e ->
                Mono.just(
                    withPool(Health.down()).withDetail("error", RedisHealthIndicator.describe(e))))
        .map(Health.Builder::build);
  }

  private Health.Builder withPool(Health.Builder health) {
    pool.getMetrics()
        .ifPresent(
            m ->
                health
                    .withDetail("acquired", m.acquiredSize())
                    .withDetail("idle", m.idleSize())
                    .withDetail("max", m.getMaxAllocatedSize()));
    return health;
  }
}
