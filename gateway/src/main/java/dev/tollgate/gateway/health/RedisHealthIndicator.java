package dev.tollgate.gateway.health;

import dev.tollgate.gateway.redis.RedisConnections;
import java.time.Duration;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * {@code redis}: a {@code PING} on billing's own connection (a single server's, or the cluster
 * client's), the one every reservation uses, that must answer within {@code timeout}: a command
 * rejected while Lettuce reconnects, or one that does not answer in time, is DOWN.
 */
public final class RedisHealthIndicator implements ReactiveHealthIndicator {

  private final RedisConnections connections;
  private final Duration timeout;

  public RedisHealthIndicator(RedisConnections connections, Duration timeout) {
    this.connections = Objects.requireNonNull(connections, "connections");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  @Override
  public Mono<Health> health() {
    return connections
        .reactive()
        .ping()
        .timeout(timeout)
        .map(pong -> Health.up().build())
        .onErrorResume(e -> Mono.just(Health.down().withDetail("error", describe(e)).build()));
  }

  static String describe(Throwable e) {
    if (e instanceof java.util.concurrent.TimeoutException) {
      return "no answer within the health check's timeout";
    }
    return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
  }
}
